"""A cursor for statements a hot path runs over and over, on Django's own connection.

It binds parameters on the server (Django's default cursor quotes them into the text), so
psycopg prepares a statement once it has run `prepare_threshold` times (5) on the
connection and the database parses and plans it once per connection instead of once per
call. The statement text must not vary with the data: parameters only, with explicit casts
(psycopg sends an int as the smallest type that holds it). Wrapped as Django wraps its own
cursors, so query logging, execute wrappers and the caller's transaction all apply.
"""

from __future__ import annotations

import psycopg
from django.db import connection


def server_binding_cursor():
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
