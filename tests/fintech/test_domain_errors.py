"""Services raise HTTP-free domain errors; the API's exception handler alone gives them a status."""

import pytest

from banking.errors import BankLinkError, TransferRefusedError
from compliance.cases.services import CasePermissionError, CaseTransitionError
from compliance.monitoring.services.dead_letters import DeadLetterReplayError
from fintech.api.exceptions import api_exception_handler
from fintech.errors import DomainError
from fintech.services.api_clients import ApiClientRefused
from ledger.errors import InsufficientFundsError
from payments.errors import (
    GatewayError,
    GatewayUnavailableError,
    PaymentsNotConfiguredError,
    RequestKeyReusedError,
    StateConflictError,
)
from payments.reconciliation.csv_format import SettlementFileError


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (DomainError("no"), 422, "refused"),
        (InsufficientFundsError("no"), 422, "insufficient_funds"),
        (TransferRefusedError("no", failed_checks=[{"check": "funds"}]), 422, "transfer_refused"),
        (StateConflictError("moved"), 409, "conflict"),
        (RequestKeyReusedError("other body"), 409, "idempotency_key_reused"),
        (CaseTransitionError("no"), 409, "illegal_transition"),
        (DeadLetterReplayError("no"), 409, "dead_letter_replay"),
        (BankLinkError("bad"), 400, "bank_link_failed"),
        (SettlementFileError([(7, "bad date")]), 400, "settlement_file_rejected"),
        (CasePermissionError("no"), 403, "forbidden"),
        (ApiClientRefused("no"), 403, "api_client_refused"),
        (GatewayError("declined"), 502, "gateway_error"),
        (GatewayUnavailableError("timeout"), 503, "gateway_unavailable"),
        (PaymentsNotConfiguredError("no keys"), 503, "payments_not_configured"),
    ],
)
def test_each_kind_of_domain_error_has_its_status_in_the_api(error, status, code):
    # when
    response = api_exception_handler(error, {})

    # then
    assert response.status_code == status
    assert response.data["error"] == code
    assert response.data["detail"] == error.detail


def test_a_domain_errors_extra_fields_join_the_body():
    response = api_exception_handler(TransferRefusedError("no", failed_checks=[{"check": "funds"}]), {})

    assert response.data["failed_checks"] == [{"check": "funds"}]


def test_domain_errors_carry_no_http_status():
    assert not hasattr(GatewayUnavailableError("timeout"), "status_code")
