"""One definition per setting read from the environment (config/setting_definitions.py):
settings.py reads nothing else, the deployments' variables are all defined, values are
typed, and a malformed one stops the process naming the variable."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.production_env import production_variables
from config.setting_definitions import SETTING_DEFINITIONS, settings_from_environment

SETTINGS_SOURCE = (Path(__file__).resolve().parents[2] / "config" / "settings.py").read_text()


def test_settings_py_reads_no_variable_outside_the_definitions():
    typed_reads = re.findall(r"\benv\.(?:str|int|bool|list|float|json|path|db)\(|os\.getenv\(", SETTINGS_SOURCE)
    # The one direct look: production's required variables must be present, not defaulted.
    direct = re.findall(r"os\.environ\.get\((\w+)", SETTINGS_SOURCE)

    assert typed_reads == []
    assert direct == ["name"]


def test_every_variable_a_production_process_is_given_is_defined():
    assert set(production_variables()) - set(SETTING_DEFINITIONS) == set()


def test_values_are_typed_and_unset_ones_take_their_defaults():
    values = settings_from_environment(
        {"STAFF_SESSION_IDLE_SECONDS": "600", "EMAIL_USE_TLS": "0", "ALLOWED_HOSTS": "a.example, b.example"}
    )

    assert values["STAFF_SESSION_IDLE_SECONDS"] == 600
    assert values["EMAIL_USE_TLS"] is False
    assert values["ALLOWED_HOSTS"] == ["a.example", "b.example"]
    assert values["OUTBOX_RETENTION_SECONDS"] == 7 * 24 * 3600


def test_a_default_can_follow_another_setting():
    values = settings_from_environment({"REDIS_URL": "redis://cache.internal:6379/2", "DJANGO_ENV": "production"})

    assert values["CELERY_BROKER_URL"] == values["CELERY_RESULT_BACKEND"] == "redis://cache.internal:6379/2"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["DEBUG"] is False


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"TRANSFER_DAILY_LIMIT": "25k"}, "TRANSFER_DAILY_LIMIT"),
        ({"EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV"),
    ],
)
def test_a_malformed_value_stops_the_process_naming_the_variable(environ, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        settings_from_environment(environ)


def test_the_transaction_events_stream_has_one_name():
    from django.conf import settings

    assert settings.AML_STREAM
    assert not hasattr(settings, "TRANSACTION_EVENT_STREAM")
