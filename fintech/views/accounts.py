"""Customer sign-up, sign-in, address confirmation and password reset.

Sign-up and password reset answer the same whether or not the address already has an
account (no enumeration): the difference goes only to the address's inbox.
"""

from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.http import require_http_methods

from fintech.forms import CustomerLoginForm, CustomerPasswordResetForm, CustomerSetPasswordForm, SignUpForm
from fintech.services.customers import customer_address_confirm, customer_sign_up


def _mail(request, *, to: str, template: str, **context) -> None:
    context = {
        "sign_in_url": request.build_absolute_uri(reverse("accounts:login")),
        "reset_url": request.build_absolute_uri(reverse("accounts:password_reset")),
        **context,
    }
    subject, _, body = render_to_string(template, context, request=request).partition("\n")
    send_mail(subject.strip(), body.lstrip(), None, [to])


@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("customers:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = customer_sign_up(
            email=data["email"],
            password=data["password1"],
            legal_name=data["legal_name"],
            country=data["country"],
            date_of_birth=data["date_of_birth"],
        )
        if customer is None:
            _mail(request, to=data["email"], template="accounts/email/already_registered.txt")
        else:
            user = customer.user
            path = reverse(
                "accounts:confirm",
                args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
            )
            _mail(
                request,
                to=customer.email,
                template="accounts/email/confirm_address.txt",
                name=customer.legal_name,
                confirm_url=request.build_absolute_uri(path),
            )
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def sign_up_done(request):
    return render(request, "accounts/signup_done.html")


def confirm_address(request, uidb64: str, token: str):
    """The link mailed at sign-up: opens the login and signs the owner in, once."""
    try:
        user = get_user_model().objects.filter(pk=int(urlsafe_base64_decode(uidb64))).first()
    except (TypeError, ValueError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token) or not customer_address_confirm(user=user):
        return render(request, "accounts/confirm_failed.html", status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("customers:dashboard")


class CustomerLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = CustomerLoginForm
    redirect_authenticated_user = True


class CustomerLogoutView(auth_views.LogoutView):
    pass


class CustomerPasswordResetView(auth_views.PasswordResetView):
    form_class = CustomerPasswordResetForm
    template_name = "accounts/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class CustomerPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class CustomerPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = CustomerSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")
