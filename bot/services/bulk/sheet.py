"""A customers' spreadsheet as rows of text: CSV as people really save it (UTF-8 with or without a BOM, or
Windows-1251 from a Russian Excel; comma, semicolon or tab separated) or XLSX (openpyxl, read-only)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

XLSX_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF"
BOM = b"\xef\xbb\xbf"
# header names (casefolded, without spaces, dots, underscores and dashes) → the column they name
COLUMNS = {
    "phone": ("phoneb", "phone", "customer", "customerphone", "телефон", "телефонклиента", "номерклиента",
              "клиент", "номер", "тел"),
    "description": ("description", "name", "comment", "описание", "комментарий", "имя", "название"),
    "ttl": ("ttl", "term", "срок", "времяжизни"),
}


class SheetError(Exception):
    """The file is not a table the bot can read; `reason`: "kind" (not CSV/XLSX), "pdf", "encoding", "broken"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Sheet:
    rows: list[tuple[int, str, str, str]]  # (row number in the file, phone, description, ttl), non-empty rows
    too_many: bool                         # more than the limit: only the first rows were read


def read_sheet(data: bytes, file_name: str, max_rows: int) -> Sheet:
    """The rows of a CSV or XLSX file, at most `max_rows` of them (past the header)."""
    name = file_name.casefold()
    if data.startswith(PDF_MAGIC) or name.endswith(".pdf"):
        raise SheetError("pdf")
    if data.startswith(XLSX_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        cells = _xlsx(data, max_rows + 2)
    elif name.endswith((".csv", ".txt", ".tsv")) or not name.rpartition(".")[1]:
        cells = _csv(data, max_rows + 2)
    else:
        raise SheetError("kind")
    return _columns(cells, max_rows)


def _csv(data: bytes, limit: int) -> list[list[str]]:
    if data.startswith(BOM):
        text = data[len(BOM):].decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1251", errors="replace")
    if "\x00" in text:
        raise SheetError("encoding")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ","
    rows = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        rows.append(row)
        if len(rows) >= limit:
            break
    return rows


def _xlsx(data: bytes, limit: int) -> list[list[str]]:
    import openpyxl  # loaded when a spreadsheet comes, not with the bot

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SheetError("broken") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell(value) for value in values])
            if len(rows) >= limit:
                break
        return rows
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number
    return str(value)


def _columns(cells: list[list[str]], max_rows: int) -> Sheet:
    """Which column is which: by the header row's names if there is one, else phone and description first."""
    phone, description, ttl, start = 0, 1, None, 0
    if cells:
        names = [_name(cell) for cell in cells[0]]
        found = {column: next((i for i, name in enumerate(names) if name in aliases), None)
                 for column, aliases in COLUMNS.items()}
        if found["phone"] is not None:
            phone, start, ttl = found["phone"], 1, found["ttl"]
            description = found["description"] if found["description"] is not None else -1
    rows = []
    for number, row in enumerate(cells[start:], start=start + 1):
        def cell(index: int | None, row: list[str] = row) -> str:
            return row[index].strip() if index is not None and 0 <= index < len(row) else ""

        if not any(value.strip() for value in row):
            continue
        rows.append((number, cell(phone), cell(description), cell(ttl)))
    return Sheet(rows[:max_rows], len(rows) > max_rows)


def _name(cell: str) -> str:
    return "".join(ch for ch in cell.casefold().lstrip("\ufeff") if ch not in " ._-")
