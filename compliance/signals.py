"""Signals compliance sends for the parts not yet built.

`screening_hit_confirmed` is the hook for case management: it is sent inside the
transaction that confirmed a hit (arguments: hit, actor). The case-management app
connects a receiver that opens a case; nothing listens yet.
"""

from django.dispatch import Signal

screening_hit_confirmed = Signal()
