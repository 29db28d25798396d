from django.db import migrations, models
from django.db.models import F


def mark_filed(apps, schema_editor):
    # Reports stored before this migration were filed into cases when they were submitted.
    Report = apps.get_model("reports", "Report")
    Report.objects.filter(filed_at__isnull=True).update(filed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_report_idempotency_fingerprint"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="indicator_keys",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.AddField(
            model_name="report",
            name="filed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="đã xếp vào hồ sơ lúc"),
        ),
        migrations.RunPython(mark_filed, migrations.RunPython.noop),
    ]
