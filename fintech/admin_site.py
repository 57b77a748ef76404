from django_otp.admin import OTPAdminSite

from fintech.auth import StaffLoginForm


class StaffAdminSite(OTPAdminSite):
    """Only staff verified by a TOTP device in this session get in; a password alone
    never does (users without a device cannot log in at all)."""

    site_header = "Fintech back-office"
    site_title = "Fintech back-office"
    index_title = "Compliance and operations"
    login_form = StaffLoginForm
    # The public site is the customers' pages, closed to staff accounts: no "View site" link.
    site_url = None
    # The queues' columns need the width; the index and the breadcrumbs are the navigation.
    enable_nav_sidebar = False

    def __init__(self, name: str = "admin"):
        super().__init__(name)
