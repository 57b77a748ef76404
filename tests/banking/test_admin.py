"""Banking admin pages render with data, and never show a secret."""

from __future__ import annotations

import pytest

from banking.services.transfers import transfer_initiate
from tests.banking.conftest import fund_customer
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user, device = make_staff("root", superuser=True)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    return client


def test_change_pages_render_and_show_masks_only(superuser_client, fake_plaid, linked_item):
    item = linked_item()
    account = item.accounts.get(subtype="checking")
    fund_customer(item.customer, 1000)
    transfer = transfer_initiate(
        customer=item.customer, account=account, direction="credit", amount=1000, currency="USD", idempotency_key="adm"
    )
    pages = [
        f"/admin/banking/plaiditem/{item.pk}/change/",
        f"/admin/banking/bankaccount/{account.pk}/change/",
        f"/admin/banking/transfer/{transfer.pk}/change/",
        "/admin/banking/plaiditem/",
        "/admin/banking/bankaccount/",
        "/admin/banking/transfer/",
    ]
    for page in pages:
        response = superuser_client.get(page)
        assert response.status_code == 200, page
        content = response.content.decode()
        assert item.access_token not in content and "990001000" not in content and "011401533" not in content
    transfer_page = superuser_client.get(f"/admin/banking/transfer/{transfer.pk}/change/").content.decode()
    assert "owner_name_matches" in transfer_page and "sanctions_clear" in transfer_page
