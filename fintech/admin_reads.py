"""Audited reads in the admin: a ModelAdmin mixin for the pages that show customers' compliance data.

One mechanism for every such admin (customers, alerts, cases, screening hits, monitored
transactions, SAR drafts, dead letters): the change and history pages write `<app>.<model>.viewed`
naming the object; each page of the list writes `<app>.<model>.listed` naming the ids it showed and the
query (search, filters, page) that produced them. Only successful renders are recorded.
"""

from __future__ import annotations

from django.template.response import TemplateResponse

from fintech.services.reads import staff_read_record


def _query(request) -> dict:
    return {key: values[0] if len(values) == 1 else values for key, values in request.GET.lists()}


class AuditedReadsAdmin:
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if object_id:
            self._record_viewed(request, _rendered(response, "original"), "page")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._record_viewed(request, _rendered(response, "object"), "history")
        return response

    def _record_viewed(self, request, obj, what: str) -> None:
        if obj is not None:
            opts = self.model._meta
            staff_read_record(
                actor=request.user,
                action=f"{opts.app_label}.{opts.model_name}.viewed",
                target=obj,
                shown={opts.label: [obj.pk]},
                via="admin",
                what=f"{opts.verbose_name} {what}",
            )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = _rendered(response, "cl")
        if changelist is not None:
            opts = self.model._meta
            staff_read_record(
                actor=request.user,
                action=f"{opts.app_label}.{opts.model_name}.listed",
                shown={opts.label: [row.pk for row in changelist.result_list]},
                via="admin",
                what=f"{opts.verbose_name_plural} list",
                query=_query(request),
            )
        return response


def _rendered(response, key: str):
    """The context object `key` of a successful page (None for a redirect, an error, a form POST's
    intermediate page without it)."""
    if isinstance(response, TemplateResponse) and response.status_code == 200 and response.context_data:
        return response.context_data.get(key)
    return None
