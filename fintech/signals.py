"""Signals the core sends; other apps (screening) connect to them without the core
importing those apps."""

from django.dispatch import Signal

# Sent inside the transaction that created a customer, or changed a field screening
# compares (fintech.services.customers.SCREENED_FIELDS). Arguments: customer, created.
customer_profile_changed = Signal()
