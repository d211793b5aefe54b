"""Bulk jobs: /import of a customers' file, and the delete of many numbers (see service.py)."""

from bot.services.bulk.service import (
    ALL,
    CANCEL,
    DELETE,
    IMPORT,
    NEW,
    AccountBulk,
    Bulk,
    DeleteAsked,
    ImportAsked,
    JobSay,
)
from bot.services.bulk.sheet import SheetError

__all__ = ["ALL", "CANCEL", "DELETE", "IMPORT", "NEW", "AccountBulk", "Bulk", "DeleteAsked", "ImportAsked", "JobSay", "SheetError"]
