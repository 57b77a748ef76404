from __future__ import annotations

import datetime

import pycountry
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone


class SignUpForm(forms.Form):
    legal_name = forms.CharField(max_length=200, label="Full legal name")
    email = forms.EmailField()
    country = forms.CharField(max_length=2, min_length=2, label="Country of residence (ISO code, e.g. GB)")
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Repeat password", widget=forms.PasswordInput, strip=False)

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if get_user_model().objects.filter(username=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email

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


class CustomerLoginForm(AuthenticationForm):
    """Customers only: staff sign in through the admin, where a TOTP code is required."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff:
            raise forms.ValidationError(
                "Staff accounts sign in through the back-office (/admin/) with a one-time code.",
                code="staff_account",
            )
