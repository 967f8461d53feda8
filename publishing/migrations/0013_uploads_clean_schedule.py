"""The abandoned-uploads cleaner as a beat entry, in the database so staff see and tune it."""

from __future__ import annotations

from django.db import migrations

from publishing.beat_entry import UPLOADS_CLEAN


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0012_media_library"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [UPLOADS_CLEAN.migration("MEDIA_UPLOAD_CLEAN_INTERVAL_SECONDS")]
