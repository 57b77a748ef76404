"""Staff review of a bank account whose owner name only plausibly matches the customer.

A transfer to such an account is refused with "owner name needs review" and the
account waits (`BankAccount.OwnerReview.PENDING`). A staff member with the
`banking.verify_owner` permission checks the customer's documents and verifies the
owner name as it stands; later transfers pass the check while Plaid reports that
same name. A name that differs (another given name) cannot be verified here.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from banking.models import BankAccount
from banking.services.owner_names import NameMatch, owner_name_match
from fintech.errors import ConflictError
from fintech.models import Customer
from fintech.services.audit import audit_event_record


def bank_account_owner_verify(*, account: BankAccount, actor) -> bool:
    """Verify the owner name waiting for review on `account`; False if none waits."""
    with transaction.atomic():
        locked = BankAccount.objects.select_for_update(of=("self",)).select_related("item__customer").get(pk=account.pk)
        if locked.owner_review != BankAccount.OwnerReview.PENDING:
            return False
        customer = locked.item.customer
        result = owner_name_match(
            legal_name=customer.legal_name,
            owner_names=locked.owner_names or [],
            organisation=customer.entity_type == Customer.EntityType.ORGANISATION,
        )
        if result.outcome != NameMatch.REVIEW:
            raise ConflictError(f"the owner name is a {result.outcome}, not a case for review")
        now = timezone.now()
        BankAccount.objects.filter(pk=locked.pk, owner_review=BankAccount.OwnerReview.PENDING).update(
            owner_review=BankAccount.OwnerReview.VERIFIED,
            owner_review_name=result.owner,
            owner_reviewed_by=actor,
            owner_reviewed_at=now,
            updated_at=now,
        )
        audit_event_record(
            action="banking.bank_account.owner_verified",
            actor=actor,
            target=locked,
            before={"owner_review": BankAccount.OwnerReview.PENDING},
            after={"owner_review": BankAccount.OwnerReview.VERIFIED, "reason": result.reason},
        )
    return True
