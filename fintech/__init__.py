"""The core app (label `fintech`): customers, the audit trail, encryption, money, events,
the outbox and the API base. The project package is `config/`; this app imports no other."""
