"""Who may call the compliance API: the admin's roles (fintech.roles), through the same Django
model permissions. Payments Operations may not see AML data anywhere, so an alert read through
the API needs `compliance.view_alert` exactly as the alert admin does; `is_staff` alone is not
enough (it would tip a customer off through the wrong desk)."""

from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissions

VIEW = ["%(app_label)s.view_%(model_name)s"]


class RoleModelPermissions(DjangoModelPermissions):
    """Active staff holding the view's model permission for the method: reads need `view_`.
    Methods not in `perms_map` are refused (405), so a new verb is denied until it is mapped."""

    perms_map = {
        "GET": VIEW,
        "HEAD": VIEW,
        "OPTIONS": VIEW,
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        return super().has_permission(request, view)


class ReadByPost(RoleModelPermissions):
    """A POST that only reads (screening a name against the lists): the view permission."""

    perms_map = {"POST": VIEW, "OPTIONS": VIEW}
