from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Load demo data (idempotent): staff in every role with credentials and TOTP secrets, "
        "customers, and each app's own demo data; then a scenario played through the real paths "
        "against the sandbox gateways (sandbox/demo.py). Refused in production."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo never runs with DJANGO_ENV=production")
        # The core first, then every project app that has a `demo` module.
        for config in apps.get_app_configs():
            if config.name in ("fintech", "payments", "banking", "compliance") and find_spec(f"{config.name}.demo"):
                import_module(f"{config.name}.demo").seed(self.stdout)
        # Last: it needs the customers, staff and the sanctions list the apps' demos load.
        import_module("sandbox.demo").seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
