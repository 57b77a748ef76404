"""`{% script_sri "app/file.js" %}`: a `<script>` for one of our static files, with its
Subresource Integrity hash, so a browser runs it only if the bytes are the ones we ship
(a tampered file in static storage or a cache in front of it is refused)."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@lru_cache(maxsize=64)
def _integrity(path: str) -> str:
    # The file as collected from the apps; collectstatic copies these bytes unchanged.
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"no static file {path!r}")
    with open(found, "rb") as source:
        digest = hashlib.sha384(source.read()).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


@register.simple_tag
def script_sri(path: str, defer: bool = True):
    return format_html(
        '<script src="{}" integrity="{}" crossorigin="anonymous"{}></script>',
        static(path),
        _integrity(path),
        " defer" if defer else "",
    )
