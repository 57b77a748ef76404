"""Staff authenticators (TOTP) whose shared secret is encrypted at rest.

django-otp's own `otp_totp.TOTPDevice` keeps the secret as a plain hex column: anyone
who reads the table (a backup, a replica, an SQL injection) can mint every officer's
codes. This device is the same RFC 6238 TOTP, verified by django-otp's `TOTP`, with
throttling and timestamps from django-otp's mixins; only the key is an
`EncryptedTextField`, so it is AES-GCM ciphertext in the database, covered by key
rotation like every other encrypted column. django-otp finds it as a device model of an
installed app, so the admin's OTP login form verifies it with no change.
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import hex_validator, random_hex

from fintech.fields import EncryptedTextField


def new_totp_key() -> str:
    """160 random bits, hex-encoded: the size RFC 4226 recommends for HMAC-SHA1."""
    return random_hex(20)


def totp_key_validator(value: str) -> None:
    hex_validator()(value)


class StaffTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A time-based one-time-password authenticator of a staff member."""

    key = EncryptedTextField(
        validators=[totp_key_validator],
        default=new_totp_key,
        help_text="The shared secret, hex-encoded; encrypted at rest.",
    )
    step = models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(default=0, help_text="The Unix time at which to begin counting steps.")
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(
        default=1, help_text="The number of time steps in the past or future to allow."
    )
    drift = models.SmallIntegerField(
        default=0, help_text="The number of time steps the authenticator's clock is known to be off."
    )
    last_t = models.BigIntegerField(
        default=-1, help_text="The time step of the last verified code: a code is accepted once."
    )

    class Meta(Device.Meta):
        verbose_name = "staff TOTP device"

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()  # throttled after failures (ThrottlingMixin)
        if not allowed:
            return False
        try:
            code = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            # Only a time step after the last accepted one: a code cannot be replayed.
            verified = totp.verify(code, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def secret_base32(self) -> str:
        """The secret as authenticator apps want it."""
        return b32encode(self.bin_key).decode("ascii").rstrip("=")

    @property
    def config_url(self) -> str:
        """The otpauth:// URI an authenticator app scans (Google's Key Uri Format)."""
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "").replace(":", "")
        label = f"{issuer}:{self.user.get_username()}" if issuer else self.user.get_username()
        params = {"secret": self.secret_base32, "algorithm": "SHA1", "digits": self.digits, "period": self.step}
        if issuer:
            params["issuer"] = issuer
        return f"otpauth://totp/{quote(label)}?{urlencode(params, quote_via=quote)}"
