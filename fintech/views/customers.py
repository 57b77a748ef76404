from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from fintech.models import Customer


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    # Staff have no customer pages; their side of the site is the back-office.
    return redirect("admin:index" if request.user.is_staff else "customers:dashboard")


@login_required
def dashboard(request):
    customer = Customer.objects.filter(user=request.user).first()
    if customer is None:
        raise PermissionDenied("This page is for customers.")
    # Each app's section is its own template (loading its own tags), named by the project's
    # settings: the core's page knows no app.
    context = {"customer": customer, "dashboard_sections": settings.CUSTOMER_DASHBOARD_SECTIONS}
    return render(request, "customers/dashboard.html", context)
