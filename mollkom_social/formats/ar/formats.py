"""Dates and times in the Arabic dashboard, where Django's Arabic locale leaves gaps.

Django's Arabic locale has no DATETIME_FORMAT, so dates with a time fell back to the
English default ("إبريل 13, 2026, 9 م": English order and comma). These read as Arabic:
day, month name, year, then the time with ص/م. Digits stay Western (0 to 9), as on the
merchants' storefronts, receipts and phones in the Gulf, and as in the times the composer's
inputs take; every date the dashboard shows uses the same digits. Names not set here come
from Django's own Arabic formats.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، g:i A"
SHORT_DATETIME_FORMAT = "d/m/Y g:i A"
