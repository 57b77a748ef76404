"""WSGI entry (gunicorn `config.wsgi`): gateway webhooks through a lean middleware
stack, everything else through Django's usual one (see config/machine_handler.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_default = get_wsgi_application()  # sets Django up

from config.machine_handler import MachineEndpointHandler, PathPrefixRouter  # noqa: E402 - after setup

application = PathPrefixRouter(default=_default, machine=MachineEndpointHandler())
