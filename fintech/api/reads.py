"""Audited reads in the API: a mixin for generic views that return customers' compliance data.

Each page of a list is one `<app>.<model>.listed` event naming the ids returned and the query
parameters; a retrieve is a `<app>.<model>.viewed` event naming the object. Same service, same
events as the admin's (fintech.admin_reads), with `via: "api"`.
"""

from __future__ import annotations

from fintech.services.reads import staff_read_record


class AuditedReadsMixin:
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        rows = page if page is not None else queryset  # unpaginated: evaluated once, the serializer reuses it
        opts = queryset.model._meta
        staff_read_record(
            actor=self.request.user,
            action=f"{opts.app_label}.{opts.model_name}.listed",
            shown={opts.label: [row.pk for row in rows]},
            via="api",
            what=f"{self.request.method} {self.request.path}",
            query={key: self.request.query_params.get(key) for key in self.request.query_params},
        )
        return page

    def get_object(self):
        obj = super().get_object()
        opts = obj._meta
        staff_read_record(
            actor=self.request.user,
            action=f"{opts.app_label}.{opts.model_name}.viewed",
            target=obj,
            shown={opts.label: [obj.pk]},
            via="api",
            what=f"{self.request.method} {self.request.path}",
        )
        return obj
