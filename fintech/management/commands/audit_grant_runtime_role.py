import os

from django.core.management.base import BaseCommand, CommandError

from fintech.services.runtime_role import RuntimeRoleRefused, runtime_role_grant


class Command(BaseCommand):
    help = (
        "Grant the application's runtime PostgreSQL role least privilege on this database: SELECT and "
        "INSERT only on the audit table, DML on the others, ownership of nothing. Run as the tables' owner "
        "after every migrate; --create (needs CREATEROLE) also creates the role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="the runtime role, e.g. fintech_app")
        parser.add_argument("--create", action="store_true", help="create the role if it does not exist")
        parser.add_argument(
            "--password-env",
            default="",
            help="name of an environment variable holding the new role's password (never on the command line)",
        )

    def handle(self, *args, role, create, password_env, **options):
        password = os.environ.get(password_env, "") if password_env else ""
        try:
            grant = runtime_role_grant(role=role, create=create, password=password or None)
        except RuntimeRoleRefused as exc:
            raise CommandError(str(exc)) from exc
        action = "created and granted" if grant.created else "granted"
        self.stdout.write(
            self.style.SUCCESS(
                f"role {grant.role} {action} on {grant.tables} tables, "
                f"SELECT and INSERT only on {', '.join(grant.append_only)}"
            )
        )
