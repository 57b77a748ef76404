"""Fitting free text from outside (gateway messages, list files, user input) into a column.

`truncate_to_field(Model, "field", value)` cuts to the field's own `max_length`, so a
migration that widens a column widens what is kept, and no call site repeats the number.
"""

from __future__ import annotations

from functools import cache

from django.db import models


@cache
def _max_length(model: type[models.Model], field_name: str) -> int:
    max_length = model._meta.get_field(field_name).max_length
    if max_length is None:
        raise ValueError(f"{model.__name__}.{field_name} has no max_length to truncate to")
    return max_length


def truncate_to_field(model: type[models.Model], field_name: str, value: str) -> str:
    return value[: _max_length(model, field_name)]
