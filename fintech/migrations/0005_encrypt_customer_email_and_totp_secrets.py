import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import fintech.fields
import fintech.models.otp

LEGACY_TOTP_TABLE = "otp_totp_totpdevice"  # django-otp's plugin, no longer installed
TOTP_COLUMNS = (
    "user_id",
    "name",
    "confirmed",
    "key",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
)


def customer_logins_detach_email(apps, schema_editor):
    """A customer's login was named by their email: rename it to the customer reference
    and clear its email, so the email is stored only encrypted, on the customer."""
    Customer = apps.get_model("fintech", "Customer")
    for customer in Customer.objects.exclude(user=None).select_related("user").iterator():
        user, email = customer.user, customer.email.casefold()
        if user.is_staff or not email:
            continue
        if user.username.casefold() == email:
            user.username = customer.external_id
        if user.email.casefold() == email:
            user.email = ""
        user.save(update_fields=["username", "email"])


def customer_emails_encrypt(apps, schema_editor):
    from fintech.services.encryption import column_encrypt_in_place

    column_encrypt_in_place(model=apps.get_model("fintech", "Customer"), field_name="email", index_name="email_index")


def totp_devices_move(apps, schema_editor):
    """Move django-otp's TOTP devices (clear secrets) to StaffTOTPDevice (encrypted ones),
    keeping each device's state (drift, last code used, throttling), then delete the clear rows."""
    connection = schema_editor.connection
    if LEGACY_TOTP_TABLE not in connection.introspection.table_names():
        return
    StaffTOTPDevice = apps.get_model("fintech", "StaffTOTPDevice")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Constant identifiers only.
        cursor.execute(f"SELECT {', '.join(map(quote, TOTP_COLUMNS))} FROM {quote(LEGACY_TOTP_TABLE)}")  # noqa: S608  # nosec B608
        rows = cursor.fetchall()
        # The ORM encrypts each key on the way in; created_at is kept as it was (auto_now_add is set after).
        moved = StaffTOTPDevice.objects.bulk_create(
            [StaffTOTPDevice(**dict(zip(TOTP_COLUMNS, row, strict=True))) for row in rows]
        )
        for device, row in zip(moved, rows, strict=True):
            StaffTOTPDevice.objects.filter(pk=device.pk).update(created_at=row[TOTP_COLUMNS.index("created_at")])
        cursor.execute(f"DELETE FROM {quote(LEGACY_TOTP_TABLE)}")  # noqa: S608  # nosec B608


class Migration(migrations.Migration):
    dependencies = [
        ("fintech", "0004_audit_chain_keyed_hmac"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="email_index",
            field=fintech.fields.BlindIndexField(purpose="customer.email", source="email"),
        ),
        # Before the email turns into an encrypted field: this step reads it in clear.
        migrations.RunPython(customer_logins_detach_email, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=fintech.fields.EncryptedEmailField(
                blank=True, help_text="Contact and sign-in email; encrypted at rest."
            ),
        ),
        migrations.CreateModel(
            name="StaffTOTPDevice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="The human-readable name of this device.", max_length=64)),
                ("confirmed", models.BooleanField(default=True, help_text="Is this device ready for use?")),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(default=0, help_text="Number of successive failed attempts."),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True, help_text="The most recent date and time this device was used.", null=True
                    ),
                ),
                (
                    "key",
                    fintech.fields.EncryptedTextField(
                        default=fintech.models.otp.new_totp_key,
                        help_text="The shared secret, hex-encoded; encrypted at rest.",
                        validators=[fintech.models.otp.totp_key_validator],
                    ),
                ),
                ("step", models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")),
                ("t0", models.BigIntegerField(default=0, help_text="The Unix time at which to begin counting steps.")),
                ("digits", models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                (
                    "tolerance",
                    models.PositiveSmallIntegerField(
                        default=1, help_text="The number of time steps in the past or future to allow."
                    ),
                ),
                (
                    "drift",
                    models.SmallIntegerField(
                        default=0, help_text="The number of time steps the authenticator's clock is known to be off."
                    ),
                ),
                (
                    "last_t",
                    models.BigIntegerField(
                        default=-1, help_text="The time step of the last verified code: a code is accepted once."
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "staff TOTP device",
                "abstract": False,
            },
        ),
        migrations.RunPython(customer_emails_encrypt, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("user__isnull", False), models.Q(("email_index", ""), _negated=True)),
                fields=("email_index",),
                name="customer_login_email_unique",
            ),
        ),
        migrations.RunPython(totp_devices_move, migrations.RunPython.noop, elidable=False),
    ]
