"""The sanctions lists in the admin, read-only: a list changes only by importing a new snapshot
(`manage.py import_sanctions_list`)."""

from django.contrib import admin

from compliance.lists.models import EntryName, ListSnapshot, SanctionsEntry, SanctionsList
from fintech.admin import ReadOnlyAdmin


@admin.register(SanctionsList)
class SanctionsListAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "created_at")


@admin.register(ListSnapshot)
class ListSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("sanctions_list", "version", "imported_at", "entry_count", "name_count", "source_checksum")
    list_filter = ("sanctions_list",)
    list_select_related = ("sanctions_list",)
    readonly_fields = [f.name for f in ListSnapshot._meta.fields]


class EntryNameInline(admin.TabularInline):
    model = EntryName
    fields = ("name", "is_primary", "normalised", "phonetic_key")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SanctionsEntry)
class SanctionsEntryAdmin(ReadOnlyAdmin):
    list_display = ("uid", "primary_name", "entity_type", "snapshot")
    list_filter = ("entity_type", "snapshot__sanctions_list")
    search_fields = ("uid", "primary_name", "names__name")
    list_select_related = ("snapshot__sanctions_list",)
    show_full_result_count = False
    readonly_fields = [f.name for f in SanctionsEntry._meta.fields]
    inlines = [EntryNameInline]
