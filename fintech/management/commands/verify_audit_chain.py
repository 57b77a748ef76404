from django.core.management.base import BaseCommand, CommandError

from fintech.services.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain; exit non-zero naming the first bad row."

    def handle(self, *args, **options):
        result = audit_chain_verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at seq {result.first_bad_seq} (row id {result.first_bad_id}): "
                f"{result.reason}; {result.checked} rows before it verified"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} rows verified"))
