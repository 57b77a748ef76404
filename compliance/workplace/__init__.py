"""The officers' workplace in the admin: the alert and case queues (filters, bulk actions,
cheap counts), the dashboard with its charts, and the fuzzy search.

It reads alerts and cases and acts on them only through `compliance.cases.services`.
"""
