"""Choosing ``suggested_time``: a pure function of the platform, the store's time zone, its
publishing history and what it has already scheduled.

1. Each hour of the day (store local time) gets a score: the platform's typical engagement
   hours (ENGAGEMENT_HOURS), plus, once the store has published at least
   ``MIN_HISTORY_POSTS`` posts in the last 90 days, twice the share of its posts that went
   out in that hour, so a store's own habit outweighs the generic table.
2. Candidate slots are those hours, on the hour, over the next week, at least ``LEAD`` from
   now, and not within ``SLOT_GAP`` of a post the store already has scheduled.
3. The best slot is the highest score, less ``DAY_PENALTY`` per day of waiting (a slightly
   weaker hour today beats the best hour in three days), then the earliest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from content_ai.zone_names import zone_time

# Local hours → weight (1.0 = the platform's peak). Published "best time to post" studies
# agree on evenings, and for this service's mostly Gulf and Levant audiences the peak is
# later, after work and after the evening prayer; the store's own history refines it.
ENGAGEMENT_HOURS: dict[str, dict[int, float]] = {
    "instagram": {12: 0.6, 19: 0.8, 21: 1.0, 22: 0.9},
    "facebook": {13: 0.6, 20: 1.0, 21: 0.9},
    "x": {9: 0.5, 13: 0.6, 20: 0.9, 22: 1.0},
    "tiktok": {18: 0.6, 21: 0.9, 23: 1.0},
    "threads": {12: 0.6, 20: 1.0, 22: 0.9},
    "youtube": {17: 0.6, 20: 1.0, 22: 0.9},
}
MIN_HISTORY_POSTS = 3  # fewer is an accident, not a habit
HISTORY_WEIGHT = 2.0
DAY_PENALTY = 0.2
LEAD = timedelta(minutes=30)
SLOT_GAP = timedelta(minutes=60)
DAYS_AHEAD = 7

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
}


@dataclass(frozen=True)
class Basis:
    """Why a slot was chosen, to word in any language (the API's reason is in the content's
    language, the dashboard's in the merchant's)."""

    platform_name: str
    hour: int
    slot_local: datetime
    timezone_name: str
    habit_count: int
    history_total: int
    skipped: bool


@dataclass(frozen=True)
class Suggestion:
    when: datetime  # UTC
    reason: str
    basis: Basis

    def reason_in(self, language: str, *, platform_name: str = "", day_text: str = "") -> str:
        """The reason in ``language`` ("ar" or "en"), naming the platform as given and the
        day as ``day_text`` ("الاثنين 13 إبريل") rather than weekday and ISO date."""
        basis = self.basis
        if platform_name:
            basis = replace(basis, platform_name=platform_name)
        return _reason(language=language, basis=basis, day_text=day_text)


def _local_slot(day: date, hour: int, zone: ZoneInfo) -> datetime:
    # Through UTC and back, so an hour that a DST change skips becomes a real instant.
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def suggest_time(
    *,
    platform: str,
    timezone_name: str,
    now: datetime,
    publish_times: list[datetime],
    scheduled_times: list[datetime],
    language: str,
    platform_name: str,
) -> Suggestion:
    zone = ZoneInfo(timezone_name)
    scores = dict(ENGAGEMENT_HOURS[platform])
    habit = Counter(when.astimezone(zone).hour for when in publish_times)
    use_history = len(publish_times) >= MIN_HISTORY_POSTS
    if use_history:
        for hour, count in habit.items():
            scores[hour] = scores.get(hour, 0.0) + HISTORY_WEIGHT * count / len(publish_times)

    earliest = now + LEAD
    today = now.astimezone(zone).date()
    best: tuple[float, datetime, int] | None = None
    skipped = False
    for offset in range(DAYS_AHEAD + 1):
        for hour, score in scores.items():
            slot = _local_slot(today + timedelta(days=offset), hour, zone)
            if slot < earliest:
                continue
            if any(abs(slot - taken) < SLOT_GAP for taken in scheduled_times):
                skipped = True
                continue
            value = score - DAY_PENALTY * (slot - now).total_seconds() / 86400
            if best is None or (value, -slot.timestamp()) > (best[0], -best[1].timestamp()):
                best = (value, slot, hour)
    if best is None:
        # Every good hour this week already has a post: the first peak hour after a week.
        hour = max(scores, key=lambda h: scores[h])
        slot = _local_slot(today + timedelta(days=DAYS_AHEAD + 1), hour, zone)
        best = (0.0, slot, hour)
    _, slot, hour = best
    basis = Basis(
        platform_name=platform_name,
        hour=hour,
        slot_local=slot.astimezone(zone),
        timezone_name=timezone_name,
        habit_count=habit[hour] if use_history else 0,
        history_total=len(publish_times) if use_history else 0,
        skipped=skipped,
    )
    return Suggestion(when=slot, reason=_reason(language=language, basis=basis), basis=basis)


def _reason(*, language: str, basis: Basis, day_text: str = "") -> str:
    language = "ar" if language == "ar" else "en"
    clock = f"{basis.hour:02d}:00"
    day = _WEEKDAYS[language][basis.slot_local.weekday()]
    when = f"{day_text or f'{day} {basis.slot_local:%Y-%m-%d}'} {clock}"
    zone = zone_time(basis.timezone_name, language)
    if language == "ar":
        if basis.habit_count:
            why = (
                f"ينشر متجرك عادةً حوالي الساعة {clock} ({basis.habit_count} من آخر "
                f"{basis.history_total} منشورًا)"
            )
        else:
            why = f"الساعة {clock} من أوقات التفاعل العالية على {basis.platform_name}"
        text = f"{why}. أقرب موعد مناسب: {when} ب{zone}."
        if basis.skipped:
            text += " تجنّبنا الأوقات التي لديك فيها منشور مجدول."
        return text
    if basis.habit_count:
        why = (
            f"Your store usually publishes around {clock} ({basis.habit_count} of its last "
            f"{basis.history_total} posts)"
        )
    else:
        why = f"{clock} is one of the busiest hours on {basis.platform_name}"
    text = f"{why}. Next good slot: {when} {zone}."
    if basis.skipped:
        text += " Slots where you already have a post scheduled were skipped."
    return text
