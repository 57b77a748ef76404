from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fintech.services.api_clients import api_client_create


class Command(BaseCommand):
    help = "Create an API client acting as USERNAME and print its token (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True)

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        client, token = api_client_create(name=name, user=user)
        self.stdout.write(f"client {client.name} created; token (store it now, it is not kept): {token}")
