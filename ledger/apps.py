from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _account_ids_forget_all(**kwargs) -> None:
    """`flush` (a transactional test's teardown, `manage.py flush`) empties the tables and then
    sends post_migrate: the remembered account ids name rows that are gone."""
    from ledger.account_cache import account_ids

    account_ids.clear()


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from fintech import roles

        post_migrate.connect(_account_ids_forget_all, sender=self, dispatch_uid="ledger.account_ids.clear")

        views = ["view_ledgeraccount", "view_journalentry", "view_posting", "view_ledgerhold"]
        roles.register_role_permissions(
            "ledger",
            {
                roles.PAYMENTS_OPERATIONS: views,
                roles.COMPLIANCE_OFFICER: views,
            },
        )
