"""The audit trail becomes AUDIT_SHARDS chains, so audited writes stop queueing on one head.

Every existing event is already a valid chain from the all-zero genesis: it stays as it
is and becomes shard 0 (no row is rewritten, so no hash changes and the existing signed
checkpoints, which pin the single chain, keep pinning shard 0). The single head row
(id 1) becomes shard 0's head; the other shards' heads start at their own geneses.
"""

from django.db import migrations, models

from fintech.audit_chain import shard_genesis

SHARDS = 16  # fintech.audit_chain.AUDIT_SHARDS when this migration was written


def heads_split(apps, schema_editor):
    Head = apps.get_model("fintech", "AuditChainHead")
    single = Head.objects.filter(pk=1).first()
    if single is not None and not Head.objects.filter(pk=0).exists():
        Head.objects.filter(pk=1).update(id=0)
        Head.objects.create(id=1, seq=0, hash=shard_genesis(1))
    for shard in range(SHARDS):
        Head.objects.get_or_create(id=shard, defaults={"seq": 0, "hash": shard_genesis(shard)})


def heads_join(apps, schema_editor):
    """Back to one chain, possible only while every event is still in shard 0."""
    Event = apps.get_model("fintech", "AuditEvent")
    Head = apps.get_model("fintech", "AuditChainHead")
    if Event.objects.filter(shard__gt=0).exists():
        raise RuntimeError("audit events were written to shards other than 0: one chain cannot hold them")
    Head.objects.filter(pk__gt=0).delete()
    Head.objects.filter(pk=0).update(id=1)


class Migration(migrations.Migration):
    dependencies = [
        ("fintech", "0006_api_client_staff_token_expiry_and_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="shard",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("shard", "seq"), name="fintech_auditevent_shard_seq_unique"),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-id"]},
        ),
        migrations.AlterField(
            model_name="auditchainhead",
            name="id",
            field=models.PositiveSmallIntegerField(primary_key=True, serialize=False),
        ),
        migrations.RunPython(heads_split, heads_join),
    ]
