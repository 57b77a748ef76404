from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fintech.services.api_clients import ApiClientRefused, api_client_create


class Command(BaseCommand):
    help = (
        "Create a partner's API client acting as USERNAME and print its token (shown once). "
        "Staff members issue their own short-lived tokens in the admin, after TOTP."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True)

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            client, token = api_client_create(name=name, user=user)
        except ApiClientRefused as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"client {client.name} created; token (store it now, it is not kept): {token}")
