"""AES-256-GCM encryption of field values, and keyed blind indexes.

Ciphertext format (text, so it survives any database and a JSON dump):

    v1:<key id>:<base64url(nonce || ciphertext || tag)>

* The nonce is 96 random bits per value; with a random nonce, one key may safely
  encrypt far more values than this system will ever store (NIST SP 800-38D, 2^32).
* The key id is the first 8 hex digits of SHA-256 of the key, so the environment
  only lists keys and the id of any stored value names the key that opens it.
* The associated data binds a value to its `table.column`: a ciphertext copied into
  another column (say an account number pasted into a name field) fails to decrypt.

Keys come from `settings.FIELD_ENCRYPTION_KEYS` (base64 of 32 bytes each): the first
encrypts, every listed key decrypts, which is what makes rotation possible.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT_VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be opened: unknown key id, tampering, or wrong column."""


@dataclass(frozen=True)
class KeyRing:
    primary_id: str
    keys: dict[str, AESGCM]

    def encrypt(self, plaintext: bytes, *, associated_data: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.keys[self.primary_id].encrypt(nonce, plaintext, associated_data)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{FORMAT_VERSION}:{self.primary_id}:{body}"

    def decrypt(self, token: str, *, associated_data: bytes) -> bytes:
        version, key_id, body = _split(token)
        if version != FORMAT_VERSION:
            raise DecryptionError(f"unknown ciphertext version {version!r}")
        key = self.keys.get(key_id)
        if key is None:
            raise DecryptionError(f"no configured key has id {key_id!r}")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data)
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptionError("ciphertext failed authentication") from exc


def key_id_of(token: str) -> str:
    """The id of the key a stored value was encrypted with."""
    return _split(token)[1]


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(":", 2)
    if len(parts) != 3:
        raise DecryptionError("value is not in the encrypted-field format")
    return parts[0], parts[1], parts[2]


def _decode_key(encoded: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(encoded.strip().encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("every FIELD_ENCRYPTION_KEYS key must be 32 bytes (AES-256)")
    return key


def build_key_ring(encoded_keys: list[str] | tuple[str, ...]) -> KeyRing:
    if not encoded_keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    keys: dict[str, AESGCM] = {}
    primary_id = ""
    for encoded in encoded_keys:
        raw = _decode_key(encoded)
        key_id = hashlib.sha256(raw).hexdigest()[:8]
        keys.setdefault(key_id, AESGCM(raw))
        primary_id = primary_id or key_id
    return KeyRing(primary_id=primary_id, keys=keys)


@lru_cache(maxsize=4)
def _cached_ring(encoded_keys: tuple[str, ...]) -> KeyRing:
    return build_key_ring(encoded_keys)


def key_ring() -> KeyRing:
    """The key ring of the current settings (cached per distinct key list)."""
    return _cached_ring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def generate_key() -> str:
    """A new random key in the form FIELD_ENCRYPTION_KEYS expects."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed HMAC-SHA256 of a normalised value, for equality lookups of encrypted data.

    `purpose` separates indexes of different fields, so equal values in two fields do
    not produce equal index entries (which would leak that they are equal).
    """
    normalised = " ".join(value.split()).casefold()
    message = f"{purpose}\x00{normalised}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()
