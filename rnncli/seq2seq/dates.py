"""Dates as people write them, and the parser that reads every one of those formats.

The generator writes a calendar date in one of ``FORMATS``; the target is ISO 8601
(``2021-03-03``).  Conventions, so that every string has exactly one reading:
slashes are month/day/year (US: ``03/04/2021`` is 4 March), dots are day.month.year
(``4.3.2021``), and two-digit years mean 2000-2049 for 00-49 and 1950-1999 for 50-99
(the generator draws years 1950-2049 only).  ``parse`` is the reference the tests hold
the generator to; the model never sees it.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from rnncli.errors import BadInput

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIRST, LAST = dt.date(1950, 1, 1), dt.date(2049, 12, 31)


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _yy(d: dt.date) -> str:
    return f"{d.year % 100:02d}"


FORMATS = {
    "ordinal-of":   lambda d: f"{ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",
    "month-day":    lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "mon-day-yy":   lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {_yy(d)}",
    "us-slash":     lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    "eu-dots":      lambda d: f"{d.day}.{d.month}.{d.year}",
    "day-month":    lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "day-mon":      lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "dd-mon-yyyy":  lambda d: f"{d.day:02d}-{MONTHS[d.month - 1][:3]}-{d.year}",
    "weekday":      lambda d: f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
    "lower-ordinal": lambda d: f"the {ordinal(d.day)} of {MONTHS[d.month - 1].lower()}, {d.year}",
}


def write(d: dt.date, fmt: str) -> str:
    return FORMATS[fmt](d)


def random_date(rng: random.Random) -> dt.date:
    return FIRST + dt.timedelta(days=rng.randrange((LAST - FIRST).days + 1))


def _month(name: str) -> int:
    key = name[:3].lower()
    for i, m in enumerate(MONTHS):
        if m[:3].lower() == key and m.lower().startswith(name.lower()):
            return i + 1
    raise BadInput(f"unknown month {name!r}")


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        return 2000 + y if y < 50 else 1900 + y
    return y


_PATTERNS = (
    (re.compile(r"^(?:the )?(\d{1,2})(?:st|nd|rd|th) of ([A-Za-z]+),? (\d{4})$"),
     lambda m: (_year(m[3]), _month(m[2]), int(m[1]))),
    (re.compile(r"^(?:[A-Za-z]+, )?([A-Za-z]+) (\d{1,2}), (\d{2}|\d{4})$"),
     lambda m: (_year(m[3]), _month(m[1]), int(m[2]))),
    (re.compile(r"^(\d{2})/(\d{2})/(\d{4})$"), lambda m: (int(m[3]), int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), lambda m: (int(m[3]), int(m[2]), int(m[1]))),
    (re.compile(r"^(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})$"),
     lambda m: (int(m[3]), _month(m[2]), int(m[1]))),
)


def parse(text: str) -> dt.date:
    """The date in any of ``FORMATS`` (``BadInput`` for anything else)."""
    t = " ".join(str(text).split())
    for pattern, fields in _PATTERNS:
        m = pattern.match(t)
        if m:
            try:
                return dt.date(*fields(m))
            except ValueError as exc:
                raise BadInput(f"not a date: {text!r} ({exc})") from None
    raise BadInput(f"not a date in a known format: {text!r}")


def iso(text: str) -> str:
    """``"3rd of March 2021"`` -> ``"2021-03-03"``."""
    return parse(text).isoformat()
