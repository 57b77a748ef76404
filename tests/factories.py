from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from fintech.models import Customer, StaffTOTPDevice

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password(PASSWORD)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    user = factory.SubFactory(UserFactory)
    legal_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "")
    country = "GB"


def make_staff(username: str, role: str | None = None, superuser: bool = False):
    """A staff user with a confirmed TOTP device (and the role's group, if given)."""
    user = UserFactory(username=username, is_staff=True, is_superuser=superuser)
    if role:
        user.groups.add(Group.objects.get(name=role))
    device = StaffTOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device
