"""The ledger side of a reconciliation run, bounded to what the period can touch.

A run reads the ledger records of its gateway (see matching.py for what they are)
from two places, never the whole history:
- the window: records posted within the period widened by the date window on each
  side (`window_start` .. `window_end`), found through the entries' `posted_at` index
  (refunds through their own succeeded-at index). Amount-and-date matching and
  "missing at gateway" only ever look at these;
- late and early ones: a gateway record may settle long after (or, for a rerun of an
  old period, long before) the ledger booked it. Its reference is what finds it: the
  references of the run's records that no windowed ledger record carries are looked up
  by the unique gateway-reference indexes, so only those few rows are read.
Fees booked for a record are found the same way: a fee is posted with or after the
payment it belongs to, so the fees posted since the window opened cover every record
matched in the window, and the late references' fees are looked up by key.

Every statement here builds a temporary table of the caller's transaction (dropped at
commit); values are parameters.
"""

from __future__ import annotations

# One SELECT per kind of ledger record, for a scope: `window` (posted in the window) or
# `late` (referenced by the run's records, posted outside the window). Each kind is
# driven from the small side: the window's entries by `posted_at`, the late references
# by the movements' gateway-reference indexes.
_IN_WINDOW = "{at} >= %(window_start)s AND {at} < %(window_end)s"

# The clearing accounts' ids as a parameter (not a subquery), so the planner sees from the
# postings' statistics that they hold about half of all postings and plans hash joins.
_CLEARING = "po.account_id = ANY(%(clearing_ids)s)"

_WINDOW_KINDS = f"""
    SELECT 'payment'::text AS kind, p.id AS object_id, p.gateway_reference AS reference,
           NULLIF(p.gateway_charge_reference, '') AS alt_reference, po.amount, po.currency, je.posted_at AS at
      FROM payments_journalentry je
      JOIN payments_payment p ON p.id = split_part(je.idempotency_key, '-', 2)::bigint
      JOIN payments_posting po ON po.entry_id = je.id AND {_CLEARING}
     WHERE {_IN_WINDOW.format(at="je.posted_at")} AND je.idempotency_key LIKE 'payment-%%-succeeded'
       AND p.gateway = %(gateway)s
    UNION ALL
    SELECT 'refund', r.id, r.gateway_reference, NULL, -r.amount, r.currency, r.updated_at
      FROM payments_refund r JOIN payments_payment p ON p.id = r.payment_id
     WHERE {_IN_WINDOW.format(at="r.updated_at")} AND r.status = 'succeeded' AND p.gateway = %(gateway)s
    UNION ALL
    SELECT CASE WHEN je.idempotency_key LIKE '%%-withdrawn' THEN 'dispute' ELSE 'dispute_reinstated' END,
           d.id, d.gateway_reference, NULL, po.amount, po.currency, je.posted_at
      FROM payments_journalentry je
      JOIN payments_dispute d
        ON d.id = split_part(je.idempotency_key, '-', 2)::bigint
      JOIN payments_posting po ON po.entry_id = je.id AND {_CLEARING}
     WHERE {_IN_WINDOW.format(at="je.posted_at")} AND (je.idempotency_key LIKE 'dispute-%%-funds-withdrawn'
            OR je.idempotency_key LIKE 'dispute-%%-funds-reinstated')
       AND d.gateway = %(gateway)s
    UNION ALL
    SELECT 'payout', o.id, o.gateway_reference, NULL, po.amount, po.currency, je.posted_at
      FROM payments_journalentry je
      JOIN payments_payout o ON o.id = split_part(je.idempotency_key, '-', 2)::bigint
      JOIN payments_posting po ON po.entry_id = je.id AND {_CLEARING}
     WHERE {_IN_WINDOW.format(at="je.posted_at")} AND je.idempotency_key LIKE 'payout-%%-paid'
       AND o.gateway = %(gateway)s AND o.status = 'paid'
"""  # noqa: S608  # nosec B608 - constant SQL fragments; every value is a parameter

_LATE_KINDS = f"""
    SELECT 'payment'::text AS kind, p.id AS object_id, p.gateway_reference AS reference,
           NULLIF(p.gateway_charge_reference, '') AS alt_reference, po.amount, po.currency, je.posted_at AS at
      FROM (SELECT p.* FROM payments_payment p JOIN recon_late_refs x ON p.gateway_reference = x.reference
             WHERE p.gateway = %(gateway)s
            UNION
            SELECT p.* FROM payments_payment p JOIN recon_late_refs x ON p.gateway_charge_reference = x.reference
             WHERE p.gateway = %(gateway)s) p
      JOIN payments_journalentry je ON je.idempotency_key = 'payment-' || p.id || '-succeeded'
      JOIN payments_posting po ON po.entry_id = je.id AND {_CLEARING}
     WHERE NOT ({_IN_WINDOW.format(at="je.posted_at")})
    UNION ALL
    SELECT 'refund', r.id, r.gateway_reference, NULL, -r.amount, r.currency, r.updated_at
      FROM payments_refund r JOIN recon_late_refs x ON r.gateway_reference = x.reference
      JOIN payments_payment p ON p.id = r.payment_id
     WHERE NOT ({_IN_WINDOW.format(at="r.updated_at")}) AND r.status = 'succeeded' AND p.gateway = %(gateway)s
    UNION ALL
    SELECT CASE WHEN je.idempotency_key LIKE '%%-withdrawn' THEN 'dispute' ELSE 'dispute_reinstated' END,
           d.id, d.gateway_reference, NULL, po.amount, po.currency, je.posted_at
      FROM payments_dispute d JOIN recon_late_refs x ON d.gateway = %(gateway)s AND d.gateway_reference = x.reference
      JOIN payments_journalentry je ON je.idempotency_key IN ('dispute-' || d.id || '-funds-withdrawn',
                                                              'dispute-' || d.id || '-funds-reinstated')
      JOIN payments_posting po ON po.entry_id = je.id AND {_CLEARING}
     WHERE NOT ({_IN_WINDOW.format(at="je.posted_at")})
    UNION ALL
    SELECT 'payout', o.id, o.gateway_reference, NULL, po.amount, po.currency, je.posted_at
      FROM payments_payout o JOIN recon_late_refs x ON o.gateway = %(gateway)s AND o.gateway_reference = x.reference
      JOIN payments_journalentry je ON je.idempotency_key = 'payout-' || o.id || '-paid'
      JOIN payments_posting po ON po.entry_id = je.id AND {_CLEARING}
     WHERE NOT ({_IN_WINDOW.format(at="je.posted_at")}) AND o.status = 'paid'
"""  # noqa: S608  # nosec B608 - constant SQL fragments; every value is a parameter

# Runs after `recon_gw` (the run's staged records) exists.
LEDGER_STATEMENTS = [
    f"""CREATE TEMP TABLE recon_ledger ON COMMIT DROP AS
        SELECT row_number() OVER () AS lid, l.* FROM ({_WINDOW_KINDS}) l""",  # noqa: S608  # nosec B608
    "ANALYZE recon_ledger",  # temp tables have no statistics until analysed: plans need them
    """CREATE TEMP TABLE recon_ledger_ref ON COMMIT DROP AS
       SELECT lid, kind, reference FROM recon_ledger WHERE reference IS NOT NULL AND reference <> ''
       UNION ALL SELECT lid, kind, alt_reference FROM recon_ledger WHERE alt_reference IS NOT NULL""",
    "ANALYZE recon_ledger_ref",
    # the records' references the window does not carry: booked before or after it (or never)
    """CREATE TEMP TABLE recon_late_refs ON COMMIT DROP AS
       SELECT reference FROM recon_gw WHERE reference <> '' EXCEPT SELECT reference FROM recon_ledger_ref""",
    "ANALYZE recon_late_refs",
    f"""CREATE TEMP TABLE recon_ledger_late ON COMMIT DROP AS
        SELECT (SELECT COALESCE(max(lid), 0) FROM recon_ledger) + row_number() OVER () AS lid, l.*
          FROM ({_LATE_KINDS}) l""",  # noqa: S608  # nosec B608
    "INSERT INTO recon_ledger SELECT * FROM recon_ledger_late",
    """INSERT INTO recon_ledger_ref
       SELECT lid, kind, reference FROM recon_ledger_late WHERE reference IS NOT NULL AND reference <> ''
       UNION ALL SELECT lid, kind, alt_reference FROM recon_ledger_late WHERE alt_reference IS NOT NULL""",
    "ANALYZE recon_ledger",
    "ANALYZE recon_ledger_ref",
    # fees booked for a gateway record, by its reference
    """CREATE TEMP TABLE recon_fee ON COMMIT DROP AS
       SELECT substr(f.idempotency_key, 13) AS reference, sum(po.amount) AS fee
         FROM (SELECT id, idempotency_key FROM payments_journalentry
                WHERE posted_at >= %(window_start)s AND idempotency_key LIKE 'gateway-fee-%%'
               UNION
               SELECT je.id, je.idempotency_key FROM payments_journalentry je
                 JOIN recon_late_refs x ON je.idempotency_key IN ('gateway-fee-' || x.reference,
                                                                  'gateway-fee-' || x.reference || '-reinstated')) f
         JOIN payments_posting po ON po.entry_id = f.id
         JOIN payments_ledgeraccount a ON a.id = po.account_id AND a.code = %(fees)s
        GROUP BY 1""",
    # small tables, but unanalysed the planner guesses their size and hashes the million records to
    # probe them, rather than the reverse
    "ANALYZE recon_fee",
]
