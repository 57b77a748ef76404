from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fintech.forms import CustomerLoginForm, SignUpForm
from fintech.services.customers import customer_sign_up


@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("customers:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = customer_sign_up(
            email=data["email"], password=data["password1"], legal_name=data["legal_name"],
            country=data["country"], date_of_birth=data["date_of_birth"],
        )
        login(request, customer.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("customers:dashboard")
    return render(request, "accounts/signup.html", {"form": form})


class CustomerLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = CustomerLoginForm
    redirect_authenticated_user = True


class CustomerLogoutView(auth_views.LogoutView):
    pass
