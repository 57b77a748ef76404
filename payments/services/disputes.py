"""Disputes (chargebacks): recorded once; money moves only when the gateway withdraws
or reinstates the funds, each at most once, as conditional updates of `funds_state`.

Withdrawn funds come out of the paying customer's own balance (the card was paid back,
so the business no longer owes them that money) and a reinstatement puts them back; a
balance already paid out goes negative, and no payout is possible until it is repaid."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from fintech.events import publish_transaction_event
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from ledger.models import LedgerAccount
from ledger.services.journal import PostingLine, customer_balance_account_get, journal_entry_post, ledger_account_get
from payments.models import Dispute, Payment

FundsState = Dispute.FundsState


def dispute_record(
    *, gateway: str, reference: str, payment: Payment | None, amount: int, currency: str, status: str, reason: str
) -> tuple[Dispute, bool]:
    """The dispute `reference`, created (and audited) on first sight."""
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                gateway=gateway,
                gateway_reference=reference,
                payment=payment,
                amount=amount,
                currency=currency,
                status=status,
                reason=truncate_to_field(Dispute, "reason", reason),
            )
    except IntegrityError:
        return Dispute.objects.get(gateway=gateway, gateway_reference=reference), False
    audit_event_record(
        action="payments.dispute.opened",
        target=dispute,
        after={"amount": amount, "currency": currency, "status": status, "payment": payment.pk if payment else None},
    )
    return dispute, True


def _post(dispute: Dispute, *, withdraw: bool) -> None:
    sign = 1 if withdraw else -1
    verb = "withdrawn" if withdraw else "reinstated"
    journal_entry_post(
        lines=[
            PostingLine(
                customer_balance_account_get(
                    customer=dispute.payment.customer if dispute.payment else None, currency=dispute.currency
                ),
                sign * dispute.amount,
            ),
            PostingLine(
                ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency=dispute.currency),
                -sign * dispute.amount,
            ),
        ],
        description=f"Dispute {dispute.gateway_reference} funds {verb}",
        idempotency_key=f"dispute-{dispute.pk}-funds-{verb}",
    )
    publish_transaction_event(
        source="payments",
        kind=f"dispute_funds_{verb}",
        reference=f"dispute:{dispute.pk}",
        amount=dispute.amount,
        currency=dispute.currency,
        customer_id=dispute.payment.customer_id if dispute.payment else None,
        occurred_at=timezone.now().isoformat(),
        direction="out" if withdraw else "in",
        channel="card_dispute",
        counterparty_name=f"{dispute.payment.gateway} card" if dispute.payment else "",
    )


def dispute_funds_withdrawn(*, dispute: Dispute) -> bool:
    if not Dispute.objects.filter(pk=dispute.pk, funds_state=FundsState.NONE).update(
        funds_state=FundsState.WITHDRAWN, updated_at=timezone.now()
    ):
        return False  # already withdrawn, or reinstated first (see below): nothing more moves
    audit_event_record(
        action="payments.dispute.funds_withdrawn",
        target=dispute,
        before={"funds_state": FundsState.NONE},
        after={"funds_state": FundsState.WITHDRAWN},
    )
    _post(dispute, withdraw=True)
    return True


def dispute_funds_reinstated(*, dispute: Dispute) -> bool:
    """WITHDRAWN -> REINSTATED gives the money back. A reinstatement that arrives before
    its withdrawal (NONE -> REINSTATED) nets to zero: no entry, and the late withdrawal
    then changes nothing."""
    now = timezone.now()
    if Dispute.objects.filter(pk=dispute.pk, funds_state=FundsState.WITHDRAWN).update(
        funds_state=FundsState.REINSTATED, updated_at=now
    ):
        before = FundsState.WITHDRAWN
        _post(dispute, withdraw=False)
    elif Dispute.objects.filter(pk=dispute.pk, funds_state=FundsState.NONE).update(
        funds_state=FundsState.REINSTATED, updated_at=now
    ):
        before = FundsState.NONE
    else:
        return False
    audit_event_record(
        action="payments.dispute.funds_reinstated",
        target=dispute,
        before={"funds_state": before},
        after={"funds_state": FundsState.REINSTATED},
    )
    return True


def dispute_close(*, dispute: Dispute, status: str) -> bool:
    if not Dispute.objects.filter(pk=dispute.pk, closed_at__isnull=True).update(
        status=status, closed_at=timezone.now(), updated_at=timezone.now()
    ):
        return False
    audit_event_record(
        action="payments.dispute.closed", target=dispute, before={"status": dispute.status}, after={"status": status}
    )
    return True
