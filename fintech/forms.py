from __future__ import annotations

import datetime

import pycountry
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils import timezone

from fintech.auth import RefusedLikeAWrongPassword
from fintech.selectors import customer_by_email
from fintech.services.customers import customer_password_reset


class SignUpForm(forms.Form):
    legal_name = forms.CharField(max_length=200, label="Full legal name")
    email = forms.EmailField()
    country = forms.CharField(max_length=2, min_length=2, label="Country of residence (ISO code, e.g. GB)")
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Repeat password", widget=forms.PasswordInput, strip=False)

    def clean_email(self):
        # Whether the address already has an account is never said here (see the view).
        return self.cleaned_data["email"].lower()

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if not country.isalpha() or pycountry.countries.get(alpha_2=country) is None:
            raise forms.ValidationError(f"{country} is not a country: use its two-letter ISO 3166 code, e.g. GB.")
        return country

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born is None:
            return born
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError("The date of birth is in the future.")
        if born < datetime.date(1900, 1, 1):
            raise forms.ValidationError("Check the year of birth.")
        minimum = settings.CUSTOMER_MINIMUM_AGE
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < minimum:
            raise forms.ValidationError(f"You must be at least {minimum} years old to open an account.")
        return born

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            user = get_user_model()(username=cleaned.get("email", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class CustomerLoginForm(RefusedLikeAWrongPassword, AuthenticationForm):
    """Customers only: staff sign in through the admin, where a TOTP code is required.
    A staff account's right password is refused here exactly like a wrong one."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff or user.is_superuser:
            self.refuse_like_a_wrong_password(user)


class CustomerPasswordResetForm(PasswordResetForm):
    """Mails a reset link to a customer's active login with this address; for any other
    address it sends nothing, and the page answers the same either way. Staff
    passwords are reset by an administrator, not through the public door."""

    def get_users(self, email):
        # The login holds no address (it lives encrypted on the customer, found by its
        # blind index), so Django's lookup by User.email would find nobody.
        customer = customer_by_email(email)
        user = customer.user if customer is not None else None
        if (
            user is not None
            and user.is_active
            and user.has_usable_password()
            and not (user.is_staff or user.is_superuser)
        ):
            yield user

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            context["user"].customer.email,
            html_email_template_name,
        )


class CustomerSetPasswordForm(SetPasswordForm):
    def save(self, commit=True):
        customer_password_reset(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user
