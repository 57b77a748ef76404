from django.core.management.base import BaseCommand

from fintech.crypto import key_ring
from fintech.services.encryption import encryption_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old ones listed, run this, then drop the old ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size, **options):
        self.stdout.write(f"primary key id: {key_ring().primary_id}")
        for report in encryption_keys_rotate(batch_size=batch_size):
            self.stdout.write(f"{report.table}.{report.column}: {report.rewritten} values re-encrypted")
        self.stdout.write(self.style.SUCCESS("rotation complete"))
