from __future__ import annotations

import pytest
from django.core.cache import cache

from sandbox.run import Sandbox
from tests.helpers import settings_set_from_env


@pytest.fixture
def sandbox(tmp_path, settings, monkeypatch):
    """The development sandbox on free ports, its webhooks queued until the test drains them
    (`sandbox.poster.drain(deliver_in_process)`), and the SDKs pointed at it as
    development settings point them."""
    box = Sandbox(state_dir=tmp_path / "sandbox", threaded=False, ports=(0, 0, 0)).start()
    settings_set_from_env(settings, monkeypatch, box.environ())
    cache.clear()  # Plaid's webhook verification key is cached per key id
    yield box
    box.stop()
    cache.clear()
