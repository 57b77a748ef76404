"""Calls to Plaid through the official SDK (plaid-python), configured from
`banking.conf` at each call. SDK objects never leave this module."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import plaid
import urllib3
from plaid.api import plaid_api
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.ach_class import ACHClass
from plaid.model.auth_get_request import AuthGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.identity_get_request import IdentityGetRequest
from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.transfer_authorization_create_request import TransferAuthorizationCreateRequest
from plaid.model.transfer_authorization_idempotency_key import TransferAuthorizationIdempotencyKey
from plaid.model.transfer_authorization_user_in_request import TransferAuthorizationUserInRequest
from plaid.model.transfer_create_idempotency_key import TransferCreateIdempotencyKey
from plaid.model.transfer_create_request import TransferCreateRequest
from plaid.model.transfer_event_sync_request import TransferEventSyncRequest
from plaid.model.transfer_network import TransferNetwork
from plaid.model.transfer_type import TransferType
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

from banking import conf
from banking.plaid.types import (
    Account,
    AchNumbers,
    Institution,
    ItemAccess,
    ItemAccounts,
    LinkToken,
    PlaidError,
    PlaidUnavailableError,
    RemovedTransaction,
    SyncPage,
    Transaction,
    TransferAuthorization,
    TransferCreated,
    TransferEvent,
    VerificationKey,
)
from fintech.money import MoneyError, to_major_units, to_minor_units

logger = logging.getLogger(__name__)
LINK_PRODUCTS = ("auth", "identity", "transactions", "transfer")


@contextmanager
def _api():
    if not (conf.plaid_client_id() and conf.plaid_secret()):
        raise PlaidUnavailableError("Plaid is not configured (PLAID_CLIENT_ID, PLAID_SECRET)")
    configuration = plaid.Configuration(
        host=conf.plaid_host(), api_key={"clientId": conf.plaid_client_id(), "secret": conf.plaid_secret()}
    )
    with plaid.ApiClient(configuration) as api_client:
        yield plaid_api.PlaidApi(api_client)


def _call(method: Callable[[plaid_api.PlaidApi], Any]) -> dict:
    """Run one SDK call; translate its failures into our two exception types."""
    try:
        with _api() as api:
            return method(api).to_dict()
    except plaid.ApiException as exc:
        if exc.status is None or exc.status >= 500 or exc.status == 429:
            raise PlaidUnavailableError(f"Plaid answered {exc.status}") from exc
        try:
            body = json.loads(exc.body or "{}")
        except ValueError:
            body = {}
        raise PlaidError(
            code=body.get("error_code") or "UNKNOWN",
            error_type=body.get("error_type") or "",
            message=body.get("error_message") or "",
            status=exc.status,
        ) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise PlaidUnavailableError(f"Plaid unreachable: {type(exc).__name__}") from exc


def _minor(value, currency: str) -> int | None:
    """Plaid sends amounts as JSON numbers: through their shortest string, never a float."""
    if value is None:
        return None
    return to_minor_units(Decimal(str(value)), currency)


def _account(raw: dict) -> Account:
    balances = raw.get("balances") or {}
    currency = balances.get("iso_currency_code") or ""
    try:
        current, available = _minor(balances.get("current"), currency), _minor(balances.get("available"), currency)
    except MoneyError:
        current = available = None  # an unofficial currency: no balance we can hold exactly
    return Account(
        account_id=raw["account_id"],
        name=raw.get("name") or "",
        official_name=raw.get("official_name") or "",
        mask=raw.get("mask") or "",
        type=str(raw.get("type") or ""),
        subtype=str(raw.get("subtype") or ""),
        currency=currency or "USD",
        current=current,
        available=available,
    )


def _transaction(raw: dict) -> Transaction | None:
    currency = raw.get("iso_currency_code")
    if not currency:
        logger.warning("skipping a transaction in an unofficial currency")
        return None
    return Transaction(
        transaction_id=raw["transaction_id"],
        account_id=raw["account_id"],
        amount=_minor(raw["amount"], currency),
        currency=currency,
        date=raw["date"],
        name=raw.get("name") or "",
        merchant_name=raw.get("merchant_name") or "",
        pending=bool(raw.get("pending")),
    )


def link_token_create(*, client_user_id: str, legal_name: str = "", access_token: str | None = None) -> LinkToken:
    """A Link token; with `access_token`, Link opens in update mode for that item."""
    fields: dict[str, Any] = {"user": LinkTokenCreateRequestUser(client_user_id=client_user_id)}
    if access_token:
        fields["access_token"] = access_token
    else:
        fields["products"] = [Products(p) for p in LINK_PRODUCTS]
    if conf.plaid_webhook_url():
        fields["webhook"] = conf.plaid_webhook_url()
    request = LinkTokenCreateRequest(
        client_name=conf.PLAID_CLIENT_NAME,
        language="en",
        country_codes=[CountryCode(code) for code in conf.plaid_country_codes()],
        **fields,
    )
    body = _call(lambda api: api.link_token_create(request))
    return LinkToken(link_token=body["link_token"], expiration=body["expiration"])


def item_public_token_exchange(*, public_token: str) -> ItemAccess:
    body = _call(lambda api: api.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public_token)))
    return ItemAccess(item_id=body["item_id"], access_token=body["access_token"])


def _item_accounts(body: dict) -> ItemAccounts:
    item = body.get("item") or {}
    return ItemAccounts(
        item_id=item.get("item_id") or "",
        institution_id=item.get("institution_id") or "",
        accounts=[_account(raw) for raw in body["accounts"]],
    )


def accounts_get(*, access_token: str) -> ItemAccounts:
    return _item_accounts(_call(lambda api: api.accounts_get(AccountsGetRequest(access_token=access_token))))


def accounts_balance_get(*, access_token: str) -> ItemAccounts:
    """Real-time balances (Plaid asks the institution, unlike `accounts_get`)."""
    request = AccountsBalanceGetRequest(access_token=access_token)
    return _item_accounts(_call(lambda api: api.accounts_balance_get(request)))


def auth_get(*, access_token: str) -> list[AchNumbers]:
    body = _call(lambda api: api.auth_get(AuthGetRequest(access_token=access_token)))
    return [
        AchNumbers(account_id=ach["account_id"], account=ach.get("account") or "", routing=ach.get("routing") or "")
        for ach in (body.get("numbers") or {}).get("ach", [])
    ]


def identity_get(*, access_token: str) -> dict[str, list[str]]:
    """Owner names per account id."""
    body = _call(lambda api: api.identity_get(IdentityGetRequest(access_token=access_token)))
    return {
        account["account_id"]: [name for owner in account.get("owners", []) for name in owner.get("names", [])]
        for account in body["accounts"]
    }


def institutions_get_by_id(*, institution_id: str) -> Institution:
    request = InstitutionsGetByIdRequest(
        institution_id=institution_id, country_codes=[CountryCode(code) for code in conf.plaid_country_codes()]
    )
    body = _call(lambda api: api.institutions_get_by_id(request))
    return Institution(institution_id=body["institution"]["institution_id"], name=body["institution"]["name"])


def transactions_sync(*, access_token: str, cursor: str = "", count: int = 100) -> SyncPage:
    fields: dict[str, Any] = {"count": count}
    if cursor:
        fields["cursor"] = cursor
    body = _call(lambda api: api.transactions_sync(TransactionsSyncRequest(access_token=access_token, **fields)))
    return SyncPage(
        added=[t for t in map(_transaction, body["added"]) if t is not None],
        modified=[t for t in map(_transaction, body["modified"]) if t is not None],
        removed=[
            RemovedTransaction(transaction_id=r["transaction_id"], account_id=r.get("account_id") or "")
            for r in body["removed"]
        ],
        next_cursor=body["next_cursor"],
        has_more=bool(body["has_more"]),
    )


def webhook_verification_key_get(*, key_id: str) -> VerificationKey:
    body = _call(lambda api: api.webhook_verification_key_get(WebhookVerificationKeyGetRequest(key_id=key_id)))
    key = body["key"]
    jwk = {name: key[name] for name in ("kty", "crv", "x", "y", "alg", "kid", "use") if key.get(name) is not None}
    return VerificationKey(kid=key["kid"], jwk=jwk, expired_at=key.get("expired_at"))


def transfer_authorization_create(
    *,
    access_token: str,
    account_id: str,
    direction: str,
    amount: int,
    currency: str,
    legal_name: str,
    idempotency_key: str,
) -> TransferAuthorization:
    request = TransferAuthorizationCreateRequest(
        access_token=access_token,
        account_id=account_id,
        type=TransferType(direction),
        network=TransferNetwork("ach"),
        amount=f"{to_major_units(amount, currency):.2f}",
        ach_class=ACHClass("ppd"),
        user=TransferAuthorizationUserInRequest(legal_name=legal_name),
        iso_currency_code=currency,
        idempotency_key=TransferAuthorizationIdempotencyKey(idempotency_key),
    )
    body = _call(lambda api: api.transfer_authorization_create(request))
    authorization = body["authorization"]
    rationale = authorization.get("decision_rationale") or {}
    return TransferAuthorization(
        authorization_id=authorization["id"],
        decision=str(authorization["decision"]),
        rationale=(rationale.get("description") or rationale.get("code") or "") if rationale else "",
    )


def transfer_create(
    *,
    access_token: str,
    account_id: str,
    authorization_id: str,
    description: str,
    idempotency_key: str,
) -> TransferCreated:
    request = TransferCreateRequest(
        access_token=access_token,
        account_id=account_id,
        authorization_id=authorization_id,
        description=description[:15],
        idempotency_key=TransferCreateIdempotencyKey(idempotency_key),
    )
    body = _call(lambda api: api.transfer_create(request))
    return TransferCreated(transfer_id=body["transfer"]["id"], status=str(body["transfer"]["status"]))


def transfer_event_sync(*, after_id: int, count: int = 25) -> tuple[list[TransferEvent], bool]:
    body = _call(lambda api: api.transfer_event_sync(TransferEventSyncRequest(after_id=after_id, count=count)))
    events = [
        TransferEvent(
            event_id=int(event["event_id"]),
            transfer_id=event["transfer_id"],
            event_type=str(event["event_type"]),
            failure_reason=((event.get("failure_reason") or {}).get("description") or ""),
        )
        for event in body["transfer_events"]
    ]
    return events, bool(body.get("has_more"))
