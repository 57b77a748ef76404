"""Monitoring's write use-cases, one module per kind of work (see `compliance.monitoring`)."""
