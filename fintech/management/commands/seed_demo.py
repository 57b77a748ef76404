from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule


class Command(BaseCommand):
    help = (
        "Load demo data (idempotent): staff in every role with credentials and TOTP secrets, "
        "customers, and each app's own demo data; then a scenario played through the real paths "
        "against the sandbox gateways (sandbox/demo.py). Refused in production."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo never runs with DJANGO_ENV=production")
        # Every app of this project (a top-level package, not a library) with a `demo` module, in
        # INSTALLED_APPS order: the core first.
        for config in apps.get_app_configs():
            if Path(config.path).resolve().parent == settings.BASE_DIR and module_has_submodule(config.module, "demo"):
                import_module(f"{config.name}.demo").seed(self.stdout)
        # Last: it needs the customers, staff and the sanctions list the apps' demos load.
        import_module("sandbox.demo").seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
