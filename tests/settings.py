"""Test settings: the real settings with DJANGO_ENV=test, plus what only tests want."""

import os

os.environ.setdefault("DJANGO_ENV", "test")

from config.settings import *  # noqa: E402,F403

# Tests create many users; the real hasher would dominate the run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303
