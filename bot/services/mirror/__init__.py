"""The account mirror: a copy of each connected account's smart numbers in SQLite, kept by paced background
reads, that answers whatever needs the whole list within one Plusofon round trip."""

from bot.services.mirror.pacer import Pacer
from bot.services.mirror.service import Freshness, Mirror, NotReady

__all__ = ["Freshness", "Mirror", "NotReady", "Pacer"]
