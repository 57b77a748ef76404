"""Loading a settlement file set-wise: PostgreSQL parses, checks and converts it.

The file's bytes are COPYed as one text value per physical line (ids in file order, so
a row's line number is its id + 1); one INSERT ... SELECT splits the lines, checks every
column with the rules of `csv_format.parse_row` written as SQL, converts the amounts
exactly (numeric, scaled by the currency's exponent) and stages the rows it accepts.

The SQL only ever ACCEPTS: a line it cannot prove valid is handed to `parse_row` (the
reference parser, which converts with `fintech.money`), which decides and words the
error. So the same rows are accepted with the same values whichever path reads them;
tests/payments/reconciliation/test_settlement_file.py compares the two.

Only for files where a physical line is a record: no quote character (so a comma
always separates fields and no field spans lines), no control
characters \\x01/\\x02 (the COPY delimiter and quote), no `\\.` line, valid UTF-8,
line ends all LF or all CRLF.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import connection

from fintech.money import CURRENCY_EXPONENTS
from payments.reconciliation.csv_format import OPTIONAL, REQUIRED, RowErrors, SettlementFileError, parse_row
from payments.reconciliation.staging import records_copy

# Unbounded patterns with separate length checks: PostgreSQL's regex engine expands
# bounded repetitions ({0,100}) into large automata, several times slower.
REFERENCE_PATTERN = r"'^[A-Za-z0-9_:.#/-]*$'"
AMOUNT = r"'^-?[0-9]+(\.[0-9]+)?$'"
RATE = r"'^[0-9]+(\.[0-9]+)?$'"
# settled_at: its shape (every digit made 0) must be one of these ISO 8601 forms
_DAY, _TIME = "0000-00-00", "0000-00-00T00:00:00"
SHAPES = ", ".join(
    f"'{shape}'"
    for shape in [
        _DAY,
        *(_TIME + fraction + zone for fraction in ("", ".000", ".000000") for zone in ("", "Z", "+00:00", "-00:00")),
    ]
)
CURRENCIES = ", ".join(f"('{code}', {exponent})" for code, exponent in sorted(CURRENCY_EXPONENTS.items()))


def _plain(path: Path) -> bool:
    """Every record one physical line, and nothing COPY would read differently from the
    csv module: no quote, no \\x01/\\x02, no `\\.` line, valid UTF-8, and line ends all
    LF or all CRLF (COPY refuses a mix)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    tail = b""
    returns = newlines = crlf = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 22):
                if any(mark in chunk for mark in (b'"', b"\x01", b"\x02")):
                    return False
                window = tail + chunk
                if any(end in window for end in (b"\n\\.\n", b"\n\\.\r\n")) or window.startswith(b"\\.\n"):
                    return False
                returns, newlines = returns + chunk.count(b"\r"), newlines + chunk.count(b"\n")
                crlf += window.count(b"\r\n") - tail.count(b"\r\n")
                decoder.decode(chunk)
                tail = chunk[-3:]
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return returns == 0 or returns == newlines == crlf


def _check_sql(columns: dict[str, int | None], width: int, raw: str) -> str:
    def col(name: str) -> str:
        index = columns.get(name)
        return f"COALESCE(f[{index}], '')" if index else "''"

    amounts = " AND ".join(  # at most 14 integer digits: scaled by up to 10^4 it fits a bigint
        f"length(split_part(ltrim({c}, '-'), '.', 1)) <= 14 AND length(split_part({c}, '.', 2)) <= x.exponent "
        f"AND {c} ~ {AMOUNT}"
        for c in ("amount", "fee", "net")
    )
    return f"""
CREATE TEMP TABLE recon_checked ON COMMIT DROP AS
WITH p AS (  -- the LATERAL splits each line once; every column below indexes that array
    SELECT id, line, cardinality(f) = {width} AS width_ok, {col("gateway")} AS gateway, {col("reference")} AS reference,
           lower({col("type")}) AS type, {col("amount")} AS amount, {col("fee")} AS fee, {col("net")} AS net,
           upper({col("currency")}) AS currency, {col("settled_at")} AS settled_at,
           {col("payout_reference")} AS payout_reference, {col("exchange_rate")} AS exchange_rate,
           {col("record_id")} AS record_id
      FROM {raw} CROSS JOIN LATERAL string_to_array(line, ',') AS f
     WHERE line IS NOT NULL
), q AS (
    SELECT p.*, x.exponent, CASE
        WHEN NOT width_ok OR x.exponent IS NULL OR lower(gateway) <> %(gateway)s
             OR type NOT IN ('charge', 'refund', 'adjustment', 'payout')
             OR length(reference) > 100 OR reference !~ {REFERENCE_PATTERN}
             OR length(payout_reference) > 100 OR payout_reference !~ {REFERENCE_PATTERN}
             OR length(record_id) > 100 OR record_id !~ {REFERENCE_PATTERN}
             OR NOT ({amounts})
             OR translate(settled_at, '123456789', '000000000') NOT IN ({SHAPES})
             OR NOT (left(settled_at, 10) = ANY(%(days)s::text[]))
             OR (exchange_rate <> '' AND (length(exchange_rate) > 25 OR exchange_rate !~ {RATE})) THEN false
        ELSE (length(settled_at) = 10 OR (substr(settled_at, 12, 2)::int <= 23 AND substr(settled_at, 15, 2)::int <= 59
                                          AND substr(settled_at, 18, 2)::int <= 59))
             AND (right(settled_at, 6) !~ '^[+-]' OR (substr(right(settled_at, 5), 1, 2)::int <= 23
                                                     AND right(settled_at, 2)::int <= 59))
             AND (settled_at::timestamptz AT TIME ZONE 'UTC')::date >= %(start)s
             AND (settled_at::timestamptz AT TIME ZONE 'UTC')::date < %(end)s
             AND (amount::numeric - fee::numeric) = net::numeric
             AND (exchange_rate = '' OR exchange_rate::numeric > 0)
        END AS ok
      FROM p LEFT JOIN (VALUES {CURRENCIES}) AS x (code, exponent) ON x.code = p.currency
    OFFSET 0  -- a fence, not a limit: `ok` is computed once per line, not at each use below
)
-- converted here, in the parallel scan, for the accepted lines only; a rejected line keeps its text
SELECT id, ok, CASE WHEN NOT ok THEN line END AS line,
       CASE WHEN ok THEN CASE WHEN record_id <> '' THEN record_id WHEN reference <> '' THEN type || ':' || reference
                              ELSE 'line:' || (id + 1) END END AS record_id,
       reference, type, currency, payout_reference,
       CASE WHEN ok THEN (amount::numeric * 10 ^ exponent)::bigint END AS amount_minor,
       CASE WHEN ok THEN (fee::numeric * 10 ^ exponent)::bigint END AS fee_minor,
       CASE WHEN ok THEN (net::numeric * 10 ^ exponent)::bigint END AS net_minor,
       CASE WHEN ok THEN NULLIF(exchange_rate, '')::numeric END AS rate,
       CASE WHEN ok THEN settled_at::timestamptz END AS settled
  FROM q
"""  # noqa: S608  # nosec B608 - column positions are ints from the header, the table name is built from ints


STAGE_SQL = """
INSERT INTO payments_reconciliationrecord (run_id, attempt, record_id, reference, type, amount, fee, net, currency,
                                           exchange_rate, settled_at, payout_reference, line)
SELECT %(run)s, %(attempt)s, record_id, reference, type, amount_minor, fee_minor, net_minor, currency, rate, settled,
       payout_reference, id + 1
  FROM recon_checked WHERE ok
 ORDER BY id  -- file order: the parallel scan interleaves, and record ids break the matching's ties
"""


def settlement_file_stage(
    *, path: Path, gateway: str, start: dt.date, end: dt.date, run_id: int, attempt: int
) -> int | None:
    """Stage the file's records for the run (in the caller's transaction) and return how
    many; None if the file is not plain (the caller reads it row by row instead).
    Raises `SettlementFileError` listing the bad rows: the caller's transaction then
    rolls the staged rows back."""
    if not _plain(path):
        return None
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = [name.strip() for name in next(csv.reader(handle), [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise SettlementFileError([(1, f"header lacks column(s) {', '.join(missing)}")])
    columns = {name: header.index(name) + 1 if name in header else None for name in [*REQUIRED, *OPTIONAL]}
    days = [(start + dt.timedelta(days=n)).isoformat() for n in range(-1, (end - start).days + 1)]
    # The raw lines go to an UNLOGGED table of this run and attempt, created and dropped in the
    # caller's transaction (a rollback or a crash leaves nothing): unlike a temporary table, parallel
    # workers can scan it, so the checks run on every core. No WAL is written for it.
    raw = f"recon_raw_{int(run_id)}_{int(attempt)}"
    with connection.cursor() as cursor:
        # work_mem for the sort by line
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.RECONCILIATION_WORK_MEM])
        # JIT would compile the long check expression in every parallel worker: seconds, for nothing
        cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(f"DROP TABLE IF EXISTS {raw}, recon_checked")
        cursor.execute(f"CREATE UNLOGGED TABLE {raw} (id bigserial PRIMARY KEY, line text)")
        with (
            cursor.copy(
                f"COPY {raw} (line) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02', HEADER true)"
            ) as copy,
            path.open("rb") as handle,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        cursor.execute(f"ANALYZE {raw}")  # the planner goes parallel only on a size it knows
        params = {"gateway": gateway, "start": start, "end": end, "run": run_id, "attempt": attempt, "days": days}
        cursor.execute(_check_sql(columns, len(header), raw), params)
        cursor.execute(f"DROP TABLE {raw}")
        cursor.execute(STAGE_SQL, params)
        staged = cursor.rowcount
        # the lines the SQL did not accept: the reference parser decides
        cursor.execute("SELECT id + 1, line FROM recon_checked WHERE NOT ok ORDER BY id")
        leftovers = cursor.fetchall()
        cursor.execute("DROP TABLE recon_checked")
    errors = RowErrors()
    accepted = []
    for line, text in leftovers:
        values = next(csv.reader([text]), [])
        try:
            if len(values) != len(header):
                raise ValueError("wrong number of columns")
            accepted.append(
                parse_row(dict(zip(header, values, strict=True)), line=line, gateway=gateway, start=start, end=end)
            )
        except ValueError as exc:
            errors.add(line, str(exc))
    if errors.total:
        raise SettlementFileError(errors.listed, total=errors.total)
    return staged + records_copy(run_id=run_id, attempt=attempt, records=accepted)
