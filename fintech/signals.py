"""Signals the core sends; other apps (screening) connect to them without the core
importing those apps."""

from django.dispatch import Signal

# Sent inside the transaction that created or changed a customer's profile.
# Arguments: customer, created.
customer_profile_changed = Signal()
