"""Sign-in records (django-axes' attempts, failure log and access log) keep no typed email.

From now on they are written under a staff username or the keyed pseudonym
`fintech.lockout.signin_username` gives anything else; this rewrites the rows written
before in the same way. Audit events cannot be rewritten (append-only, hash-chained):
those of failed sign-ins before this change keep what was typed.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import F

PSEUDONYM_PREFIX = "email-index:"  # as fintech.lockout.PSEUDONYM_PREFIX, frozen here


def pseudonymise(apps, schema_editor):
    from fintech.models.customers import customer_email_index

    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    staff = set(user_model.objects.filter(is_staff=True).values_list("username", flat=True))

    def pseudonym(typed: str) -> str:
        return PSEUDONYM_PREFIX + customer_email_index(typed.strip())

    for name in ("AccessFailureLog", "AccessLog"):
        model = apps.get_model("axes", name)
        rows = model.objects.exclude(username__isnull=True).exclude(username="").exclude(username__in=staff)
        for row in rows.exclude(username__startswith=PSEUDONYM_PREFIX).only("pk", "username").iterator():
            model.objects.filter(pk=row.pk).update(username=pseudonym(row.username))
    # Attempts are counters, unique per (username, address, user agent): a clear row whose
    # pseudonym row already exists adds its failures to it.
    attempts = apps.get_model("axes", "AccessAttempt")
    rows = attempts.objects.exclude(username__isnull=True).exclude(username="").exclude(username__in=staff)
    for row in rows.exclude(username__startswith=PSEUDONYM_PREFIX).iterator():
        twin = attempts.objects.filter(
            username=pseudonym(row.username), ip_address=row.ip_address, user_agent=row.user_agent
        )
        if twin.update(failures_since_start=F("failures_since_start") + row.failures_since_start):
            row.delete()
        else:
            attempts.objects.filter(pk=row.pk).update(username=pseudonym(row.username))


class Migration(migrations.Migration):
    dependencies = [
        ("fintech", "0009_audit_event_fewer_indexes"),
        ("axes", "0010_accessattemptexpiration"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(pseudonymise, migrations.RunPython.noop)]
