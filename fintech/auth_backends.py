"""Customer sign-in by email, with no email stored in clear on the login."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from fintech.selectors import customer_by_email


class CustomerEmailBackend(ModelBackend):
    """Authenticates a customer who types their email and password.

    A customer's username is an opaque reference; the email is encrypted on the customer
    and matched through its blind index. Password checking, inactive users and
    permissions are ModelBackend's own. A login that does not match runs the password
    hasher once anyway, as ModelBackend does, so timing does not tell which emails exist.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None or "@" not in username:
            return None
        customer = customer_by_email(username)
        if customer is None or customer.user is None:
            get_user_model()().set_password(password)
            return None
        user = customer.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
