"""Signals screening sends to the other compliance features.

`screening_hit_confirmed` is sent inside the transaction that confirmed a hit (arguments:
hit, actor), so screening does not import cases: the cases feature connects
`screening_hit_confirmed_receiver` (in `ComplianceConfig.ready`), which joins the hit to
the customer's open case or opens one, in that same transaction.
"""

from django.dispatch import Signal

screening_hit_confirmed = Signal()
