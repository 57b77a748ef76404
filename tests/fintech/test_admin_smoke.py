"""Every ModelAdmin's changelist, search and add page renders for a verified superuser."""

import pytest
from django.contrib import admin

from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user, device = make_staff("root", superuser=True)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_admin_pages_render(superuser_client, model):
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    assert superuser_client.get(base).status_code == 200
    assert superuser_client.get(base, {"q": "x"}).status_code == 200
    model_admin = admin.site._registry[model]
    add = superuser_client.get(f"{base}add/")
    assert add.status_code == (200 if model_admin.has_add_permission(_request(superuser_client)) else 403)


def _request(client):
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="root")
    return request
