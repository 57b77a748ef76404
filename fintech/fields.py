"""Model fields whose values are encrypted at rest (see `fintech.crypto`).

An encrypted column cannot be filtered by value (every encryption of a value differs);
`BlindIndexField` keeps a keyed hash of a source field for the few equality lookups the
product needs. Only `isnull` lookups are allowed on the encrypted column itself, so a
query that could never match fails loudly instead.
"""

from __future__ import annotations

import datetime
import json

from django.core import validators
from django.core.exceptions import FieldError
from django.db import models

from fintech.crypto import blind_index, key_ring


class EncryptedTextField(models.TextField):
    """Text encrypted with AES-256-GCM; `table.column` is bound as associated data."""

    description = "Text encrypted at rest"

    def associated_data(self) -> bytes:
        return f"{self.model._meta.db_table}.{self.column}".encode()

    def to_python_value(self, plaintext: str):
        return plaintext

    def to_plaintext(self, value) -> str:
        return str(value)

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)
        if value is None or value == "":
            return value
        return key_ring().encrypt(self.to_plaintext(value).encode(), associated_data=self.associated_data())

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        plaintext = key_ring().decrypt(value, associated_data=self.associated_data()).decode()
        return self.to_python_value(plaintext)

    def to_python(self, value):
        return value

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"{self.model.__name__}.{self.name} is encrypted: filter on its blind index instead")
        return super().get_lookup(lookup_name)


class EncryptedDateField(EncryptedTextField):
    """A date (e.g. of birth) encrypted at rest; the Python value is a `datetime.date`."""

    description = "Date encrypted at rest"

    def to_python_value(self, plaintext: str):
        return datetime.date.fromisoformat(plaintext)

    def to_plaintext(self, value) -> str:
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        return value.isoformat()

    def formfield(self, **kwargs):
        from django import forms

        return models.Field.formfield(self, form_class=forms.DateField, **kwargs)


class EncryptedEmailField(EncryptedTextField):
    """An email address encrypted at rest, validated and edited as an email."""

    description = "Email address encrypted at rest"
    default_validators = [validators.validate_email]

    def formfield(self, **kwargs):
        from django import forms

        return models.Field.formfield(self, form_class=forms.EmailField, **kwargs)


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (e.g. a list of names) encrypted at rest as one ciphertext."""

    description = "JSON encrypted at rest"

    def to_python_value(self, plaintext: str):
        return json.loads(plaintext)

    def to_plaintext(self, value) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    def get_prep_value(self, value):
        # An empty list or object is still a value: encrypt it, so "no owners" reads back as [].
        if value is None:
            return None
        return key_ring().encrypt(self.to_plaintext(value).encode(), associated_data=self.associated_data())

    def formfield(self, **kwargs):
        from django import forms

        return models.Field.formfield(self, form_class=forms.JSONField, **kwargs)


class BlindIndexField(models.CharField):
    """HMAC of another field's plaintext, kept in step on every save.

    Query it with `Model.objects.filter(<name>=blind_index(value, purpose=...))`, or
    through `BlindIndexField.lookup_value`.
    """

    def __init__(self, *args, source: str = "", purpose: str = "", **kwargs):
        self.source = source
        self.purpose = purpose
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        # Drop what __init__ sets by default; keep a deliberate db_index=False.
        for key in ("editable", "db_index", "blank"):
            kwargs.pop(key, None)
        if not self.db_index:
            kwargs["db_index"] = False
        if kwargs.get("max_length") == 64:
            kwargs.pop("max_length")
        return name, path, args, kwargs

    def lookup_value(self, plaintext: str) -> str:
        return blind_index(plaintext, purpose=self.purpose or f"{self.model._meta.label}.{self.source}")

    def pre_save(self, model_instance, add):
        plaintext = getattr(model_instance, self.source)
        value = "" if plaintext in (None, "") else self.lookup_value(str(plaintext))
        setattr(model_instance, self.attname, value)
        return value
