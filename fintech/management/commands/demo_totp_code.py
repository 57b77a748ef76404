from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from fintech.models import StaffTOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo staff user (development only: stands in for a phone)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_totp_code never runs with DJANGO_ENV=production")
        device = StaffTOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username!r} has no TOTP device")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
