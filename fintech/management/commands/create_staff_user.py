import secrets

from django.core.management.base import BaseCommand, CommandError

from fintech.roles import ROLES
from fintech.services.staff import staff_user_create, totp_secret_base32


class Command(BaseCommand):
    help = "Create a staff member in one role with a TOTP device; prints a one-off password and the TOTP secret."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=ROLES)

    def handle(self, *args, username, email, role, **options):
        password = secrets.token_urlsafe(18)
        try:
            user, device = staff_user_create(username=username, email=email, password=password, role=role)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"staff user {user.username} ({role}) created")
        self.stdout.write(f"  password (change it at first login): {password}")
        self.stdout.write(f"  TOTP secret: {totp_secret_base32(device)}")
        self.stdout.write(f"  TOTP URI:    {device.config_url}")
