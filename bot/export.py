"""/export: an account's smart numbers as a CSV file that Excel opens with Cyrillic intact."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from bot.plusofon import SmartNumber

HEADER = ("id", "phoneX", "phoneB", "phoneA", "description", "created_at")
BOM = "\ufeff"  # without it Excel reads UTF-8 as the local code page
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula (OWASP)


def numbers_csv(numbers: Iterable[SmartNumber]) -> bytes:
    """UTF-8 with a BOM, comma-separated, quoted where needed (RFC 4180, csv's "excel" dialect)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for number in numbers:
        created = number.created_at.isoformat(sep=" ") if number.created_at else ""
        writer.writerow((number.id, *map(inert, (number.phone_x, number.phone_b, number.phone_a,
                                                 number.description)), created))
    return out.getvalue().encode("utf-8")


def inert(cell: str) -> str:
    """A text cell as data, never as a formula: `=HYPERLINK(…)` becomes `'=HYPERLINK(…)`."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def file_name(day: date) -> str:
    return f"smart-numbers-{day:%Y-%m-%d}.csv"
