from django.core.management.base import BaseCommand, CommandError

from fintech.services.audit import AuditChainBroken, audit_checkpoint_write


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of every audit shard's head to AUDIT_CHECKPOINT_PATH (beat does this "
        "every five minutes); refuses, non-zero, if the events since the last checkpoint do not verify."
    )

    def handle(self, *args, **options):
        try:
            checkpoint = audit_checkpoint_write()
        except AuditChainBroken as exc:
            raise CommandError(
                f"checkpoint refused: audit chain broken at seq {exc.verification.first_bad_seq} "
                f"of shard {exc.verification.first_bad_shard}: "
                f"{exc.verification.reason}"
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"checkpoint written: {checkpoint.seq} events in {len(checkpoint.heads)} shards "
                f"signed with key {checkpoint.key_id}"
            )
        )
