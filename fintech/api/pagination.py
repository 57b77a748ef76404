from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.pagination import CursorPagination


class InvalidCursorError(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_cursor"
    default_detail = "The cursor is not one this list gave out."


class StableCursorPagination(CursorPagination):
    """Cursor pagination (stable under inserts, no COUNT(*) on big tables), newest first
    by primary key so it works on any model.

    A cursor is a parameter the caller can forge: one that does not decode, or whose
    position is not a value of the ordering field (text where the key is a number, a
    NUL), is a 400 here, before the database sees it."""

    ordering = "-pk"

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise InvalidCursorError() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        name = self.ordering[0].lstrip("-")  # a tuple by now (CursorPagination.get_ordering)
        meta = self._model._meta
        field = meta.pk if name == "pk" else meta.get_field(name)
        if "\x00" in position:
            raise InvalidCursorError()
        try:
            field.to_python(position)
        except ValidationError:
            raise InvalidCursorError() from None
