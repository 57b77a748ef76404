from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    """Cursor pagination (stable under inserts, no COUNT(*) on big tables), newest first
    by primary key so it works on any model. An unknown cursor is a 404, documented in
    the schema by `fintech.api.schema`."""

    ordering = "-pk"
