from django.core.management.base import BaseCommand, CommandError

from fintech.services.audit import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Walk the audit trail's keyed hash chain against the signed checkpoints; "
        "exit non-zero naming the first bad row."
    )

    def handle(self, *args, **options):
        result = audit_chain_verify()
        for segment in result.segments:
            self.stdout.write(f"shard {segment.shard} seq {segment.first_seq}-{segment.last_seq}: key {segment.key_id}")
        if not result.ok:
            raise CommandError(
                f"audit chain broken at seq {result.first_bad_seq} of shard {result.first_bad_shard} "
                f"(row id {result.first_bad_id}): "
                f"{result.reason}; {result.checked} rows before it verified"
            )
        anchor = (
            f"anchored by {result.checkpoints} signed checkpoints, the latest sealing {result.anchored_seq} events"
            if result.anchored_seq is not None
            else "WARNING: no signed checkpoint anchors it yet (run audit_checkpoint)"
        )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} rows verified, {anchor}"))
