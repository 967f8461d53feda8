"""Periodic tasks as django-celery-beat rows, created by migrations so staff see and tune
them in the admin. One definition per entry, used by its migration and by tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import migrations


@dataclass(frozen=True)
class BeatEntry:
    name: str
    task: str
    description: str

    def ensure(self, *, interval_model: Any, task_model: Any, every_seconds: float) -> None:
        """Create or update the entry (models passed in, so migrations can use it)."""
        every = max(1, round(every_seconds))
        schedule, _ = interval_model.objects.get_or_create(every=every, period="seconds")
        task_model.objects.update_or_create(
            name=self.name,
            defaults={
                "task": self.task,
                "interval": schedule,
                "enabled": True,
                "description": self.description,
            },
        )

    def migration(self, interval_setting: str) -> migrations.RunPython:
        """The migration operation that creates the entry, ticking every `interval_setting`
        seconds as configured when the migration runs."""

        def create(apps: Any, schema_editor: Any) -> None:
            self.ensure(
                interval_model=apps.get_model("django_celery_beat", "IntervalSchedule"),
                task_model=apps.get_model("django_celery_beat", "PeriodicTask"),
                every_seconds=getattr(settings, interval_setting),
            )

        def remove(apps: Any, schema_editor: Any) -> None:
            apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
                name=self.name
            ).delete()

        return migrations.RunPython(create, remove)
