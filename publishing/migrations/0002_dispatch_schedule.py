"""The dispatcher's one beat entry, in the database so staff see and tune it in the admin."""

from __future__ import annotations

from django.db import migrations

from publishing.beat_entry import DISPATCH


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [DISPATCH.migration("DISPATCH_INTERVAL_SECONDS")]
