"""The files a bulk job hands over: the rows the check refused, and at the end every row with what became of
it (row, phone, description, phoneX, id, status or error). UTF-8 with a BOM, as /export writes, so Excel reads
the Cyrillic; cells that would start a formula are made inert."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from bot.services.export import BOM, inert
from storage.jobs import JobRow

HEADER = ("row", "phoneB", "description", "phoneX", "id", "status")


def rows_csv(rows: Iterable[JobRow], status: Callable[[JobRow], str]) -> bytes:
    """The rows as a CSV file; `status` words each row's outcome (or why it was refused)."""
    out = io.StringIO(newline="")
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow((row.row, inert(row.phone_b), inert(row.description), inert(row.phone_x),
                         row.number_id or "", inert(status(row))))
    return out.getvalue().encode("utf-8")
