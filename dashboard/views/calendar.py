"""The calendar: a month or a week of scheduled and published posts."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dashboard.access import StoreAccess, store_page
from dashboard.calendar import agenda, month_days, week_days


def _month(value: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _day(value: str | None, today: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return today


@store_page()
def calendar_view(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    today = timezone.localdate()
    if "week" in request.GET:
        day = _day(request.GET.get("week"), today)
        days = week_days(access.store, day)
        context = {
            "view": "week",
            "days": days,
            "previous": (days[0].day - timedelta(days=7)).isoformat(),
            "next": (days[0].day + timedelta(days=7)).isoformat(),
            "today": today,
        }
    else:
        first = _month(request.GET.get("month"), today)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=31)).replace(day=1)
        weeks = month_days(access.store, first.year, first.month)
        context = {
            "view": "month",
            "month": first,
            "weeks": weeks,
            "agenda": agenda(weeks),
            "previous": f"{previous:%Y-%m}",
            "next": f"{following:%Y-%m}",
            "today": today,
        }
    return render(request, "dashboard/calendar.html", context)
