"""Importing transactions from a core-banking CSV export into monitoring."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.db import transaction

from compliance.monitoring.events import TEXT_FIELDS, EventError, parse_occurred_at
from compliance.monitoring.models import MonitoredTransaction
from compliance.monitoring.services.imported_parties import imported_parties_screen
from fintech.models import AuditEvent, Customer
from fintech.money import MoneyError, normalise_currency, to_minor_units
from fintech.outbox import outbox_events_publish
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field

COLUMNS = [
    "transaction_id",
    "occurred_at",
    "customer_id",
    "account_id",
    "direction",
    "amount",
    "currency",
    "channel",
    "counterparty_name",
    "counterparty_account",
    "counterparty_country",
]
SOURCE = "import"
BATCH = 2000


@dataclass
class ImportSummary:
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    customers_created: int = 0
    parties_screened: int = 0
    screening_hits: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_row(row: dict) -> dict:
    """The fields of one CSV row (customer as external id); ValueError says what is wrong."""
    if None in row or any(row.get(c) is None for c in COLUMNS):
        raise ValueError("wrong number of columns")
    tx_id, customer = row["transaction_id"].strip(), row["customer_id"].strip()
    if not tx_id or len(tx_id) > 128:
        raise ValueError("transaction_id is empty or longer than 128")
    if not customer or len(customer) > 64:
        raise ValueError("customer_id is empty or longer than 64")
    direction = row["direction"].strip().lower()
    if direction not in ("in", "out"):
        raise ValueError(f"direction {row['direction']!r} is not in|out")
    try:
        occurred_at = parse_occurred_at(row["occurred_at"])
        currency = normalise_currency(row["currency"])
        amount = to_minor_units(row["amount"], currency)
    except (EventError, MoneyError) as exc:
        raise ValueError(str(exc)) from exc
    if amount < 0:
        raise ValueError("amount is negative (direction says which way money moved)")
    country = row["counterparty_country"].strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValueError(f"counterparty_country {country!r} is not ISO alpha-2")
    return {
        "source": SOURCE,
        "source_id": tx_id,
        "customer_external_id": customer,
        "occurred_at": occurred_at,
        "account_id": truncate_to_field(MonitoredTransaction, "account_id", row["account_id"].strip()),
        "direction": direction,
        "amount": amount,
        "currency": currency,
        "channel": truncate_to_field(MonitoredTransaction, "channel", row["channel"].strip()),
        "counterparty_name": truncate_to_field(
            MonitoredTransaction, "counterparty_name", row["counterparty_name"].strip()
        ),
        # Encrypted at rest (no column width): the event's own limit applies.
        "counterparty_account": row["counterparty_account"].strip()[: TEXT_FIELDS["counterparty_account"]],
        "counterparty_country": country,
    }


def _batches(reader: csv.DictReader, summary: ImportSummary) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in reader:
        try:
            batch.append(parse_row(row))
        except ValueError as exc:
            summary.rejected += 1
            summary.errors.append((reader.line_num, str(exc)))
            continue
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def _import_batch(batch: list[dict], summary: ImportSummary) -> tuple[list[int], list[int]]:
    """Import one batch; returns the ids of the customers it created and of the transactions it added."""
    externals = sorted({r["customer_external_id"] for r in batch})
    known = dict(Customer.objects.filter(external_id__in=externals).values_list("external_id", "pk"))
    missing = [e for e in externals if e not in known]
    if missing:
        # Customers known only to the core-banking system: created from their external id,
        # to be completed (and screened) when their profile arrives.
        Customer.objects.bulk_create([Customer(external_id=e, legal_name=e) for e in missing], ignore_conflicts=True)
        created = dict(Customer.objects.filter(external_id__in=missing).values_list("external_id", "pk"))
        summary.customers_created += len(created)
        known.update(created)
    else:
        created = {}
    ids = [r["source_id"] for r in batch]
    existing = set(
        MonitoredTransaction.objects.filter(source=SOURCE, source_id__in=ids).values_list("source_id", flat=True)
    )
    rows, seen = [], set()
    for r in batch:
        if r["source_id"] in existing or r["source_id"] in seen:
            summary.skipped += 1
            continue
        seen.add(r["source_id"])
        fields = {k: v for k, v in r.items() if k != "customer_external_id"}
        rows.append(MonitoredTransaction(customer_id=known[r["customer_external_id"]], **fields))
    # ignore_conflicts: a concurrent import of the same file inserts each row once.
    MonitoredTransaction.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    summary.imported += len(rows)
    # Evaluated as it lands, whatever its dates: each new row is a monitoring event in the outbox,
    # committed with the rows, which the stream consumers decide like any other movement (finding
    # the row already stored, they evaluate it against its customer's history as of its time).
    outbox_events_publish(
        stream=settings.AML_STREAM,
        events=[_event(row) for row in rows],
        sealed=[{"counterparty_account": row.counterparty_account} for row in rows],
    )
    added = list(
        MonitoredTransaction.objects.filter(source=SOURCE, source_id__in=[r.source_id for r in rows]).values_list(
            "pk", flat=True
        )
    )
    return list(created.values()), added


def _event(row: MonitoredTransaction) -> dict:
    """The monitoring event (compliance.monitoring.events) of an imported row; its counterparty
    account, a personal identifier, travels sealed."""
    return {
        "source": row.source,
        "source_id": row.source_id,
        "customer_id": row.customer_id,
        "occurred_at": row.occurred_at.isoformat(),
        "direction": row.direction,
        "amount": row.amount,
        "currency": row.currency,
        "channel": row.channel,
        "account_id": row.account_id,
        "counterparty_name": row.counterparty_name,
        "counterparty_country": row.counterparty_country,
    }


def transactions_import(*, stream: IO[str], actor=None, filename: str = "") -> ImportSummary:
    """Stream a CSV into MonitoredTransactions in batches; each batch commits on its own.

    A re-run imports nothing twice (unique source id). A bad row is reported with its
    line number and reason and does not stop or touch the other rows.
    """
    summary = ImportSummary()
    reader = csv.DictReader(stream)
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
        summary.rejected += 1
        summary.errors.append((1, f"header must be {','.join(COLUMNS)}"))
        return summary
    screened_names: set[str] = set()
    for batch in _batches(reader, summary):
        customer_ids, transaction_ids = _import_batch(batch, summary)
        # After the batch committed: its new parties are screened set-wise, never holding rows back.
        screening = imported_parties_screen(
            customer_ids=customer_ids, transaction_ids=transaction_ids, already_screened=screened_names
        )
        summary.parties_screened += screening.screened
        summary.screening_hits += screening.hits
    with transaction.atomic():
        audit_event_record(
            action="compliance.transactions.imported",
            actor=actor,
            target_type="file",
            target_id=truncate_to_field(AuditEvent, "target_id", filename),
            after={
                "imported": summary.imported,
                "skipped": summary.skipped,
                "rejected": summary.rejected,
                "customers_created": summary.customers_created,
                "parties_screened": summary.parties_screened,
                "screening_hits": summary.screening_hits,
            },
        )
    return summary
