"""Set-wise matching of a run's staged gateway records against the ledger, in SQL.

No record is looked at one by one in Python: a handful of statements over temporary
tables (dropped at commit) do the whole period, so the cost is a few hash joins and
the memory is PostgreSQL's, not the worker's.

The ledger side ("ledger records", temp table `recon_ledger`: those posted in the
period's date window and those the run's records reference, never the whole history;
see ledger_side.py), signed as the movement affects the money held at the gateway,
i.e. the posting on `gateway_clearing`:
- payment: a succeeded payment's entry `payment-<id>-succeeded` (references pi_ and ch_);
- refund: a succeeded refund (its entry is the payment's cumulative refund entry), -amount;
- dispute / dispute_reinstated: entries `dispute-<id>-funds-withdrawn|reinstated`;
- payout: a paid payout's entry `payout-<id>-paid`;
- fees booked for a gateway record: entries `gateway-fee-<reference>` posting to `fees`
  (`gateway-fee-<reference>-reinstated` for a dispute's reinstatement).

Matching, in order:
1. duplicates: a second record with the same record id, or the same type + reference +
   direction, or a second record claiming the same ledger record;
2. by reference (one-to-one): the record's reference against the ledger record's;
3. records without a reference: by kind + currency + amount, the n-th record with the
   n-th ledger record of the same key (both in time order), within the date window;
4. a payout (many-to-one): the nets of the records it paid out must sum to it.
Then each record is classified (see `ReconciliationItem.Classification`): currency
differs without an exchange rate -> currency_mismatch; gross (converted at the record's
exchange rate when there is one), net = gross - fee, booked fee, payout members: the
first that differs gives overpaid (gateway above ledger) or underpaid. Ledger records
of the period that no record matched are missing_at_gateway.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from fintech.money import CURRENCY_EXPONENTS
from ledger.models import LedgerAccount
from payments.models import ReconciliationRun
from payments.reconciliation.ledger_side import LEDGER_STATEMENTS

KIND_OF_TYPE = """CASE
    WHEN r.type IN ('charge', 'payment', 'sale') THEN 'payment'
    WHEN r.type IN ('refund', 'payment_refund', 'credit') THEN 'refund'
    WHEN r.type = 'adjustment' AND r.amount < 0 THEN 'dispute'
    WHEN r.type = 'adjustment' THEN 'dispute_reinstated'
    WHEN r.type = 'payout' THEN 'payout'
END"""


def _exponent_sql(column: str) -> str:
    """The minor-unit exponent of the currency in `column` (2 unless listed)."""
    by_exponent: dict[int, list[str]] = {}
    for code, exponent in CURRENCY_EXPONENTS.items():
        if exponent != 2:
            by_exponent.setdefault(exponent, []).append(code)
    whens = " ".join(
        f"WHEN {column} IN ({', '.join(repr(c) for c in sorted(codes))}) THEN {exponent}"
        for exponent, codes in sorted(by_exponent.items())
    )
    return f"(CASE {whens} ELSE 2 END)"


TEMP_TABLES = (
    "recon_ledger, recon_ledger_ref, recon_late_refs, recon_ledger_late, recon_fee, recon_gw, "
    "recon_match, recon_members, recon_free_ledger, recon_free_gw"
)

STATEMENTS = [
    # ON COMMIT DROP cleans up at commit; this also when the caller's transaction is a
    # savepoint inside a longer one (tests) and a period is matched twice in it.
    f"DROP TABLE IF EXISTS {TEMP_TABLES}",
    f"""CREATE TEMP TABLE recon_gw ON COMMIT DROP AS
       SELECT r.id AS rid, r.record_id, r.reference, r.type, r.amount, r.fee, r.net, r.currency, r.exchange_rate,
              r.settled_at, r.payout_reference, r.members_net, {KIND_OF_TYPE} AS kind,
              1::bigint AS id_rank, 1::bigint AS ref_rank
         FROM payments_reconciliationrecord r WHERE r.run_id = %(run)s AND r.attempt = %(attempt)s""",  # noqa: S608  # nosec B608
    # 1. duplicates: the few repeated keys are found by hashing, and only their rows ranked
    #    (a window over every record would sort the whole period twice)
    """UPDATE recon_gw g SET id_rank = d.n FROM (
         SELECT rid, row_number() OVER (PARTITION BY record_id ORDER BY rid) AS n FROM recon_gw
          WHERE record_id IN (SELECT record_id FROM recon_gw GROUP BY 1 HAVING count(*) > 1)) d
        WHERE g.rid = d.rid AND d.n > 1""",
    """UPDATE recon_gw g SET ref_rank = d.n FROM (
         SELECT rid, row_number() OVER (PARTITION BY type, reference, sign(amount) ORDER BY settled_at, rid) AS n
           FROM recon_gw
          WHERE reference <> '' AND (type, reference, sign(amount)) IN (
                SELECT type, reference, sign(amount) FROM recon_gw WHERE reference <> ''
                 GROUP BY 1, 2, 3 HAVING count(*) > 1)) d
        WHERE g.rid = d.rid AND d.n > 1""",
    "ANALYZE recon_gw",
    # the ledger side: the window, and what the records reference outside it (ledger_side.py)
    *LEDGER_STATEMENTS,
    # 2. by reference; a ledger record claimed twice: the later claim is a duplicate
    """CREATE TEMP TABLE recon_match ON COMMIT DROP AS
       SELECT g.rid, min(x.lid) AS lid, 'reference'::text AS method, 1::bigint AS lid_rank
         FROM recon_gw g JOIN recon_ledger_ref x ON x.kind = g.kind AND x.reference = g.reference
        WHERE g.reference <> '' AND g.id_rank = 1 AND g.ref_rank = 1
        GROUP BY g.rid""",
    """UPDATE recon_match m SET lid_rank = d.n FROM (
         SELECT m.rid, row_number() OVER (PARTITION BY m.lid ORDER BY g.settled_at, m.rid) AS n
           FROM recon_match m JOIN recon_gw g ON g.rid = m.rid
          WHERE m.lid IN (SELECT lid FROM recon_match GROUP BY 1 HAVING count(*) > 1)) d
        WHERE m.rid = d.rid AND d.n > 1""",
    # 3. no reference: n-th with n-th of the same kind, currency and amount, within the window
    """INSERT INTO recon_match (rid, lid, method, lid_rank)
       SELECT g.rid, l.lid, 'amount_date', 1
         FROM (SELECT rid, kind, currency, amount, settled_at, row_number() OVER (
                      PARTITION BY kind, currency, amount ORDER BY settled_at, rid) AS n
                 FROM recon_gw WHERE reference = '' AND id_rank = 1 AND kind IS NOT NULL) g
         JOIN (SELECT lid, kind, currency, amount, at, row_number() OVER (
                      PARTITION BY kind, currency, amount ORDER BY at, lid) AS n
                 FROM recon_ledger l
                WHERE at >= %(window_start)s AND at < %(window_end)s
                  AND NOT EXISTS (SELECT 1 FROM recon_match m WHERE m.lid = l.lid)) l
           ON l.kind = g.kind AND l.currency = g.currency AND l.amount = g.amount AND l.n = g.n
        WHERE abs(extract(epoch FROM l.at - g.settled_at)) <= %(window_seconds)s""",
    "ANALYZE recon_match",
    # 4. payouts: the nets of what each paid out (from the gateway, or the period's records)
    """CREATE TEMP TABLE recon_members ON COMMIT DROP AS
       SELECT payout_reference, sum(net) AS members_net FROM recon_gw
        WHERE payout_reference <> '' AND id_rank = 1 GROUP BY 1""",
    "ANALYZE recon_members",
]

ITEM_COLUMNS = """run_id, match_key, classification, match_method, detail, record_id, record_type, reference,
    gateway_amount, gateway_fee, gateway_net, gateway_currency, exchange_rate, settled_at, payout_reference,
    ledger_kind, ledger_object_id, ledger_amount, ledger_fee, ledger_currency, ledger_at, difference, candidates,
    resolution, resolution_note"""

GATEWAY_ITEMS_SQL = f"""
INSERT INTO payments_reconciliationitem ({ITEM_COLUMNS})
WITH j AS (
    SELECT g.*, m.lid, m.method, m.lid_rank, l.kind AS l_kind, l.object_id, l.amount AS l_amount,
           l.currency AS l_currency, l.at AS l_at, f.fee AS l_fee,
           COALESCE(g.members_net, pm.members_net) AS members,
           CASE WHEN l.lid IS NULL THEN NULL
                WHEN l.currency = g.currency THEN l.amount
                WHEN g.exchange_rate IS NOT NULL THEN round(l.amount * g.exchange_rate
                     * power(10::numeric, {_exponent_sql("g.currency")} - {_exponent_sql("l.currency")}))::bigint
           END AS expected
      FROM recon_gw g
      LEFT JOIN recon_match m ON m.rid = g.rid
      LEFT JOIN recon_ledger l ON l.lid = m.lid
      LEFT JOIN recon_fee f ON g.reference <> '' AND f.reference = CASE WHEN g.kind = 'dispute_reinstated'
                                   THEN g.reference || '-reinstated' ELSE g.reference END
      LEFT JOIN recon_members pm ON g.kind = 'payout' AND pm.payout_reference = g.reference
), k AS (
    SELECT j.*,
           CASE WHEN expected IS NULL THEN NULL
                WHEN amount <> expected THEN 'gross'
                WHEN net <> amount - fee THEN 'net'
                WHEN l_fee IS NOT NULL AND l_fee <> fee THEN 'fee'
                WHEN kind = 'payout' AND members IS NOT NULL AND members <> -amount THEN 'payout'
           END AS failed
      FROM j
), d AS (
    SELECT k.*,
           CASE failed WHEN 'gross' THEN amount - expected WHEN 'net' THEN net - (amount - fee)
                       WHEN 'fee' THEN l_fee - fee WHEN 'payout' THEN -amount - members
                       ELSE CASE WHEN expected IS NULL THEN NULL ELSE 0 END END AS diff
      FROM k
)
SELECT %(run)s, 'g:' || record_id || CASE WHEN id_rank > 1 THEN '#' || id_rank ELSE '' END,
       CASE WHEN id_rank > 1 OR ref_rank > 1 OR lid_rank > 1 THEN 'duplicate'
            WHEN lid IS NULL THEN 'missing_in_ledger'
            WHEN l_currency <> currency AND exchange_rate IS NULL THEN 'currency_mismatch'
            WHEN diff > 0 THEN 'overpaid'
            WHEN diff < 0 THEN 'underpaid'
            ELSE 'matched' END,
       COALESCE(method, 'none'),
       CASE WHEN id_rank > 1 OR ref_rank > 1 THEN 'the same gateway record appears again'
            WHEN lid_rank > 1 THEN 'another gateway record already matched this ledger record'
            WHEN lid IS NULL AND kind IS NULL THEN 'a record type the ledger does not book: ' || type
            WHEN lid IS NULL THEN 'no ledger record for it'
            WHEN l_currency <> currency AND exchange_rate IS NULL
                 THEN 'gateway in ' || currency || ', ledger in ' || l_currency || ', no exchange rate'
            WHEN failed = 'gross' THEN 'gross ' || amount || ' vs ledger ' || expected
                 || CASE WHEN l_currency <> currency THEN ' (' || l_amount || ' ' || l_currency || ' at '
                         || exchange_rate || ')' ELSE '' END
            WHEN failed = 'net' THEN 'net ' || net || ' is not gross ' || amount || ' minus fee ' || fee
            WHEN failed = 'fee' THEN 'fee ' || fee || ' vs booked ' || l_fee
            WHEN failed = 'payout' THEN 'payout ' || -amount || ' vs the nets it paid out ' || members
            WHEN kind = 'payout' AND members IS NOT NULL THEN 'equals the nets it paid out'
            ELSE '' END,
       record_id, type, reference, amount, fee, net, currency, exchange_rate, settled_at, payout_reference,
       COALESCE(l_kind, ''), object_id, l_amount, l_fee, COALESCE(l_currency, ''), l_at, diff, '[]'::jsonb, '', ''
  FROM d
"""  # noqa: S608  # nosec B608 - constant SQL fragments; every value is a parameter

MISSING_AT_GATEWAY_SQL = f"""
INSERT INTO payments_reconciliationitem ({ITEM_COLUMNS})
SELECT %(run)s, 'l:' || l.kind || ':' || l.object_id, 'missing_at_gateway', 'none',
       'no gateway record for this ledger record', '', '', COALESCE(l.reference, ''), NULL, NULL, NULL, '', NULL,
       NULL, '', l.kind, l.object_id, l.amount, NULL, l.currency, l.at, -l.amount, '[]'::jsonb, '', ''
  FROM recon_ledger l
 WHERE l.at >= %(start)s AND l.at < %(end)s AND NOT EXISTS (SELECT 1 FROM recon_match m WHERE m.lid = l.lid)
"""  # noqa: S608  # nosec B608 - constant SQL fragments; every value is a parameter

# Candidates for the exceptions queue: the counterparts no record matched, of the same
# currency and amount, nearest in time first (5 at most); set-wise, over the few
# unmatched rows on each side.
CANDIDATES_SQL = [
    """CREATE TEMP TABLE recon_free_ledger ON COMMIT DROP AS
       SELECT * FROM recon_ledger l WHERE NOT EXISTS (SELECT 1 FROM recon_match m WHERE m.lid = l.lid)""",
    """CREATE TEMP TABLE recon_free_gw ON COMMIT DROP AS
       SELECT * FROM recon_gw g WHERE NOT EXISTS (SELECT 1 FROM recon_match m WHERE m.rid = g.rid)""",
    """UPDATE payments_reconciliationitem i SET candidates = c.list FROM (
         SELECT item_id, jsonb_agg(jsonb_build_object('kind', kind, 'id', object_id, 'reference', reference,
                                                      'amount', amount, 'currency', currency, 'at', at)
                                   ORDER BY n) AS list
           FROM (SELECT i.id AS item_id, l.*, row_number() OVER (
                        PARTITION BY i.id ORDER BY abs(extract(epoch FROM l.at - i.settled_at)), l.lid) AS n
                   FROM payments_reconciliationitem i
                   JOIN recon_free_ledger l ON l.currency = i.gateway_currency AND l.amount = i.gateway_amount
                  WHERE i.run_id = %(run)s AND i.classification = 'missing_in_ledger') x
          WHERE n <= 5 GROUP BY item_id) c
      WHERE i.id = c.item_id""",
    """UPDATE payments_reconciliationitem i SET candidates = c.list FROM (
         SELECT item_id, jsonb_agg(jsonb_build_object('record_id', record_id, 'reference', reference, 'type', type,
                                                      'amount', amount, 'currency', currency,
                                                      'settled_at', settled_at) ORDER BY n) AS list
           FROM (SELECT i.id AS item_id, g.*, row_number() OVER (
                        PARTITION BY i.id ORDER BY abs(extract(epoch FROM g.settled_at - i.ledger_at)), g.rid) AS n
                   FROM payments_reconciliationitem i
                   JOIN recon_free_gw g ON g.currency = i.ledger_currency AND g.amount = i.ledger_amount
                  WHERE i.run_id = %(run)s AND i.classification = 'missing_at_gateway') x
          WHERE n <= 5 GROUP BY item_id) c
      WHERE i.id = c.item_id""",
]


def _window(run: ReconciliationRun, window_days: int) -> dict:
    start = dt.datetime.combine(run.period_start, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(run.period_end, dt.time.min, tzinfo=dt.UTC)
    window = dt.timedelta(days=window_days)
    return {
        "start": start,
        "end": end,
        "window_start": start - window,
        "window_end": end + window,
        "window_seconds": window.total_seconds(),
    }


def reconciliation_match(*, run: ReconciliationRun, attempt: int, window_days: int, work_mem: str = "128MB") -> None:
    """Write the run's items for `attempt`'s staged records (the caller's transaction,
    after it removed the run's previous items). PostgreSQL only."""
    clearing_ids = list(LedgerAccount.objects.filter(code=LedgerAccount.GATEWAY_CLEARING).values_list("pk", flat=True))
    params = {
        "run": run.pk,
        "attempt": attempt,
        "gateway": run.gateway,
        "clearing_ids": clearing_ids,
        "fees": LedgerAccount.FEES,
        **_window(run, window_days),
    }
    with connection.cursor() as cursor:
        # Big hash joins: with the default 4 MB each would spill to disk in batches.
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        for statement in [*STATEMENTS, GATEWAY_ITEMS_SQL, MISSING_AT_GATEWAY_SQL, *CANDIDATES_SQL]:
            cursor.execute(statement, params)
