"""The settlement report file: a CSV for gateways and banks that only send files.

Header row required; columns (any order, extra columns ignored):

    gateway,reference,type,amount,fee,net,currency,settled_at,payout_reference[,exchange_rate][,record_id]

- `gateway`: must be the run's gateway (e.g. `stripe`).
- `reference`: what the row is about (ch_/pi_/re_/dp_/po_..., a Braintree transaction
  id); may be empty, then the row is matched by amount, currency and date.
- `type`: charge, refund, adjustment (a dispute) or payout.
- `amount`, `fee`, `net`: decimal strings in major units ("12.50"), converted exactly
  with `fintech.money.to_minor_units`; signed as the movement affects the money held at
  the gateway (a refund or payout is negative); `net` must equal `amount - fee`.
- `settled_at`: ISO 8601 date or date-time (UTC if no offset), within the run's period.
- `payout_reference`: the payout that paid this row out (optional).
- `exchange_rate`: the rate used when the row's currency differs from the payment's (optional).
- `record_id`: the sender's own id of the row (optional; otherwise type:reference or the line).

A file with any bad row is rejected as a whole, every bad row listed by line number.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from fintech.errors import InvalidInputError
from fintech.money import CURRENCY_EXPONENTS, MoneyError, normalise_currency, to_minor_units
from payments.reconciliation.sources import SettlementRecord

REQUIRED = ["gateway", "reference", "type", "amount", "fee", "net", "currency", "settled_at"]
OPTIONAL = ["payout_reference", "exchange_rate", "record_id"]
TYPES = {"charge", "refund", "adjustment", "payout"}
MAX_ERRORS_LISTED = 50


class SettlementFileError(InvalidInputError):
    code = "settlement_file_rejected"

    def __init__(self, errors: list[tuple[int, str]], total: int | None = None):
        self.errors = errors
        total = total if total is not None else len(errors)
        listed = "; ".join(f"line {line}: {message}" for line, message in errors[:MAX_ERRORS_LISTED])
        more = f" (and {total - MAX_ERRORS_LISTED} more)" if total > MAX_ERRORS_LISTED else ""
        super().__init__(f"settlement file rejected, {total} bad row(s): {listed}{more}")


class RowErrors:
    """The bad rows of a file: all counted, the first `MAX_ERRORS_LISTED` kept (in line order)."""

    def __init__(self) -> None:
        self.listed: list[tuple[int, str]] = []
        self.total = 0

    def add(self, line: int, message: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_ERRORS_LISTED:
            self.listed.append((line, message))


_AMOUNT = re.compile(r"(-?)([0-9]{1,15})(?:\.([0-9]{1,4}))?")


def _minor(text: str, currency: str) -> int:
    """`to_minor_units`, with a fast path for the plain form ("-12.50"): the same exact
    value; anything else (or too many decimals) goes to `to_minor_units`, which decides."""
    match = _AMOUNT.fullmatch(text.strip())
    exponent = CURRENCY_EXPONENTS[currency]
    if match is None or len(match[3] or "") > exponent:
        return to_minor_units(text, currency)
    value = int(match[2]) * 10**exponent + int((match[3] or "").ljust(exponent, "0") or 0)
    return -value if match[1] else value


def _settled_at(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def parse_row(row: dict, *, line: int, gateway: str, start: dt.date, end: dt.date) -> SettlementRecord:
    """One row as a record; ValueError says what is wrong with it."""
    if row["gateway"].strip().lower() != gateway:
        raise ValueError(f"gateway {row['gateway']!r} is not this run's gateway {gateway!r}")
    kind = row["type"].strip().lower()
    if kind not in TYPES:
        raise ValueError(f"type {row['type']!r} is not one of {', '.join(sorted(TYPES))}")
    reference = row["reference"].strip()
    payout_reference = (row.get("payout_reference") or "").strip()
    if len(reference) > 100 or len(payout_reference) > 100:
        raise ValueError("reference or payout_reference is longer than 100")
    try:
        currency = normalise_currency(row["currency"])
        amount, fee, net = _minor(row["amount"], currency), _minor(row["fee"], currency), _minor(row["net"], currency)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
    if max(abs(amount), abs(fee), abs(net)) >= 10**18:
        raise ValueError("amount out of range")
    if net != amount - fee:
        raise ValueError(f"net {row['net']} is not amount {row['amount']} minus fee {row['fee']}")
    try:
        settled_at = _settled_at(row["settled_at"])
    except ValueError:
        raise ValueError(f"settled_at {row['settled_at']!r} is not an ISO 8601 date-time") from None
    if not start <= settled_at.date() < end:
        raise ValueError(f"settled_at {row['settled_at']} is outside the period {start}..{end - dt.timedelta(1)}")
    rate_text = (row.get("exchange_rate") or "").strip()
    try:
        rate = Decimal(rate_text) if rate_text else None
    except InvalidOperation:
        raise ValueError(f"exchange_rate {rate_text!r} is not a decimal") from None
    if rate is not None and (not rate.is_finite() or rate <= 0):
        raise ValueError(f"exchange_rate {rate_text!r} is not a positive rate")
    record_id = (row.get("record_id") or "").strip()[:100] or (f"{kind}:{reference}" if reference else f"line:{line}")
    return SettlementRecord(
        record_id=record_id,
        reference=reference,
        type=kind,
        amount=amount,
        fee=fee,
        net=net,
        currency=currency,
        settled_at=settled_at,
        payout_reference=payout_reference,
        exchange_rate=rate,
        line=line,
    )


def _rows(path: Path, *, gateway: str, start: dt.date, end: dt.date, errors: RowErrors) -> Iterator[SettlementRecord]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader)]
        width = len(header)
        for values in reader:
            if not values:
                continue  # a blank line, as csv.DictReader would skip it
            line = reader.line_num
            try:
                if len(values) != width:
                    raise ValueError("wrong number of columns")
                yield parse_row(
                    dict(zip(header, values, strict=True)), line=line, gateway=gateway, start=start, end=end
                )
            except ValueError as exc:
                errors.add(line, str(exc))


def settlement_file_read(*, path: Path, gateway: str, start: dt.date, end: dt.date) -> Iterator[SettlementRecord]:
    """Yield the file's records, then raise `SettlementFileError` listing every bad row
    if there was one: the caller stages what it got and throws it all away on that error.

    Rows are parsed one by one (`parse_row`) as they stream: memory stays flat.
    """
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = [name.strip() for name in next(csv.reader(handle), [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise SettlementFileError([(1, f"header lacks column(s) {', '.join(missing)}")])
    errors = RowErrors()
    yield from _rows(path, gateway=gateway, start=start, end=end, errors=errors)
    if errors.total:
        raise SettlementFileError(errors.listed, total=errors.total)
