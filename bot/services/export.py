"""/export: an account's smart numbers as a CSV file that Excel opens with Cyrillic intact."""

from __future__ import annotations

import csv
import os
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

from bot.plusofon import SmartNumber

HEADER = ("id", "phoneX", "phoneB", "phoneA", "description", "created_at")
BOM = "\ufeff"  # without it Excel reads UTF-8 as the local code page
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula (OWASP)


async def csv_file(batches: AsyncIterator[list[SmartNumber]]) -> tuple[Path, int]:
    """The CSV (UTF-8 with a BOM, comma-separated, quoted where needed: RFC 4180, csv's "excel" dialect), written
    batch by batch into a temporary file (the caller deletes it), and how many rows: an account of any size
    costs the process one batch of memory."""
    handle, name = tempfile.mkstemp(prefix="smart-numbers-", suffix=".csv")
    rows = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(BOM)
            writer = csv.writer(out)
            writer.writerow(HEADER)
            async for batch in batches:
                writer.writerows(map(_row, batch))
                rows += len(batch)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), rows


def _row(number: SmartNumber) -> tuple[object, ...]:
    created = number.created_at.isoformat(sep=" ") if number.created_at else ""
    return (number.id, *map(inert, (number.phone_x, number.phone_b, number.phone_a, number.description)), created)


def inert(cell: str) -> str:
    """A text cell as data, never as a formula: `=HYPERLINK(…)` becomes `'=HYPERLINK(…)`. Spreadsheets skip
    leading spaces, line breaks and invisible format characters (a zero-width space) and read full-width ＝＋－＠
    as their ASCII twins, so the first character that is left decides, after NFKC."""
    if cell.startswith(FORMULA_STARTS) or unicodedata.normalize("NFKC", _first_visible(cell)) in FORMULA_STARTS[:4]:
        return "'" + cell
    return cell


def _first_visible(cell: str) -> str:
    for char in cell:
        if not char.isspace() and unicodedata.category(char) != "Cf":
            return char
    return ""


def file_name(day: date) -> str:
    return f"smart-numbers-{day:%Y-%m-%d}.csv"
