from fintech.models.api_clients import ApiClient
from fintech.models.audit import AuditChainHead, AuditEvent
from fintech.models.customers import Customer
from fintech.models.idempotency import IdempotencyRecord
from fintech.models.otp import StaffTOTPDevice
from fintech.models.outbox import OutboxMessage

__all__ = [
    "ApiClient",
    "AuditChainHead",
    "AuditEvent",
    "Customer",
    "IdempotencyRecord",
    "OutboxMessage",
    "StaffTOTPDevice",
]
