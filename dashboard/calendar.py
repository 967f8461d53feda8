"""The calendar's days and the posts on each, in the store's timezone (the one active)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import get_format

from accounts.models import Store
from publishing.models import Post


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    posts: list[Post]


def first_weekday() -> int:
    """The active language's first day of the week, as Python's calendar numbers days."""
    # Django counts from Sunday (0), Python from Monday (0).
    return (int(get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


def _posts_between(store: Store, start: date, end: date) -> dict[date, list[Post]]:
    """Posts whose time (the schedule, else when made) falls on [start, end), by local day."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end, time.min, tzinfo=zone)
    posts: QuerySet[Post] = (
        Post.objects.filter(store=store)
        .annotate(when=Coalesce("schedule_at", "created_at"))
        .filter(when__gte=since, when__lt=until)
        .prefetch_related("targets")
        .order_by("when")
    )
    by_day: dict[date, list[Post]] = defaultdict(list)
    for post in posts:
        by_day[timezone.localtime(post.when, zone).date()].append(post)  # type: ignore[attr-defined]
    return by_day


def month_days(store: Store, year: int, month: int) -> list[list[Day]]:
    """The month's weeks, each of seven days (the neighbouring months' days greyed)."""
    weeks = calendar.Calendar(first_weekday()).monthdatescalendar(year, month)
    posts = _posts_between(store, weeks[0][0], weeks[-1][-1] + timedelta(days=1))
    return [[Day(d, d.month == month, posts.get(d, [])) for d in week] for week in weeks]


def agenda(weeks: list[list[Day]]) -> list[Day]:
    """The month's days that have posts, in order: the month on a narrow screen, where seven
    columns do not fit."""
    return [day for week in weeks for day in week if day.in_month and day.posts]


def week_days(store: Store, any_day: date) -> list[Day]:
    start = any_day - timedelta(days=(any_day.weekday() - first_weekday()) % 7)
    days = [start + timedelta(days=i) for i in range(7)]
    posts = _posts_between(store, start, start + timedelta(days=7))
    return [Day(d, True, posts.get(d, [])) for d in days]
