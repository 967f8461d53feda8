"""A time zone named as a merchant says it ("Riyadh time", "توقيت الرياض"), not as the tz
database spells it ("Asia/Riyadh").

The stores are mostly in the Gulf, the Levant, Egypt and the Maghreb: their zones have a
name here in both languages. Any other zone is named by its city in English, and in Arabic
as the store's time (a tz id in Latin letters would be the one foreign word in the sentence).
"""

from __future__ import annotations

# tz id → (English, Arabic) name of the place the zone is known by.
ZONE_PLACES: dict[str, tuple[str, str]] = {
    "Asia/Riyadh": ("Riyadh", "الرياض"),
    "Asia/Dubai": ("Dubai", "دبي"),
    "Asia/Kuwait": ("Kuwait", "الكويت"),
    "Asia/Qatar": ("Doha", "الدوحة"),
    "Asia/Bahrain": ("Bahrain", "البحرين"),
    "Asia/Muscat": ("Muscat", "مسقط"),
    "Asia/Aden": ("Aden", "عدن"),
    "Asia/Baghdad": ("Baghdad", "بغداد"),
    "Asia/Amman": ("Amman", "عمّان"),
    "Asia/Beirut": ("Beirut", "بيروت"),
    "Asia/Damascus": ("Damascus", "دمشق"),
    "Asia/Gaza": ("Gaza", "غزة"),
    "Asia/Hebron": ("Hebron", "الخليل"),
    "Africa/Cairo": ("Cairo", "القاهرة"),
    "Africa/Khartoum": ("Khartoum", "الخرطوم"),
    "Africa/Tripoli": ("Tripoli", "طرابلس"),
    "Africa/Tunis": ("Tunis", "تونس"),
    "Africa/Algiers": ("Algiers", "الجزائر"),
    "Africa/Casablanca": ("Casablanca", "الدار البيضاء"),
    "Europe/Istanbul": ("Istanbul", "إسطنبول"),
    "Europe/London": ("London", "لندن"),
    "UTC": ("UTC", "التوقيت العالمي"),
}


def zone_time(timezone_name: str, language: str) -> str:
    """ "Riyadh time" / "توقيت الرياض" for ``timezone_name``, in ``language`` ("ar" or "en")."""
    place = ZONE_PLACES.get(timezone_name)
    if language == "ar":
        return f"توقيت {place[1]}" if place else "توقيت متجرك"
    city = place[0] if place else timezone_name.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time"
