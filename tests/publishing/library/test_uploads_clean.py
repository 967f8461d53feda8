"""Abandoned uploads: deleted with their partial files by a beat entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.models import Store
from publishing.beat_entry import UPLOADS_CLEAN
from publishing.library.uploads import part_path, upload_create
from publishing.models import MediaUpload
from publishing.tasks import uploads_clean_task

pytestmark = pytest.mark.django_db


def test_the_task_deletes_uploads_past_their_expiry_and_their_partial_files(
    store: Store, settings: Any
) -> None:
    settings.MEDIA_UPLOAD_KEEP_HOURS = 1
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        abandoned = upload_create(store=store, kind="video", size=1000)
    fresh = upload_create(store=store, kind="video", size=1000)
    assert part_path(abandoned).exists()

    uploads_clean_task()

    assert list(MediaUpload.objects.all()) == [fresh]
    assert not part_path(abandoned).exists()
    assert part_path(fresh).exists()


def test_the_cleaner_has_a_beat_entry(db: Any, settings: Any) -> None:
    entry = PeriodicTask.objects.get(name=UPLOADS_CLEAN.name)
    assert entry.task == "publishing.uploads_clean" and entry.enabled
    assert entry.interval is not None
    assert entry.interval.every == round(settings.MEDIA_UPLOAD_CLEAN_INTERVAL_SECONDS)
