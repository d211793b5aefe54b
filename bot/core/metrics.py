"""Every Prometheus metric of the bot, in one place.

Each dispatcher gets its own `Metrics` (passed as workflow data `metrics`) with its own CollectorRegistry, not
the library's global one: the tests build many dispatchers in one process, and a global registry would refuse
the second set of names (or mix their counts). `/metrics` renders that registry.

No label ever carries a phone, a token, a chat title or free text: labels take only the fixed values listed
beside each metric.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
PREFIX = "plusofon_bot_"
REFRESH_TIMEOUT = 2.0  # seconds a scrape waits for the gauges read from SQLite

# The fixed label values (anything else is folded into "other", so no caller can add free text by mistake).
UPDATE_KINDS = frozenset({"message", "callback_query", "my_chat_member", "chat_member", "edited_message",
                          "inline_query", "chosen_inline_result"})
UPDATE_OUTCOMES = frozenset({"handled", "unhandled", "error"})
PLUSOFON_ENDPOINTS = frozenset({"list", "add", "delete"})
PLUSOFON_OUTCOMES = frozenset({"ok", "unauthorized", "user_not_found", "not_found", "bad_request", "invalid",
                               "rate_limited", "server_error", "malformed", "timeout", "connection_error"})
THROTTLED_KINDS = frozenset({"message", "callback_query"})
MIRROR_CALL_REASONS = frozenset({"first", "probe", "repair", "full"})

Refresher = Callable[["Metrics"], Awaitable[None]]


class Metrics:
    """The bot's metric objects; the hot-path ones have a cheap method each (a dict lookup and an increment)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # -- updates (wired: bot/observing.py) ----------------------------------------------------------
        self.updates = Counter(
            PREFIX + "updates", "Telegram updates handled, by kind (message, callback_query, ...) and outcome "
            "(handled: a handler took it; unhandled: none did; error: the handler raised).",
            ["kind", "outcome"], registry=r)
        self.update_seconds = Histogram(
            PREFIX + "update_seconds", "Time from an update entering the dispatcher until its handler returned "
            "(the reply sent), by kind.", ["kind"], registry=r,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0))
        # -- Plusofon API (wired: bot/plusofon/client.py) -----------------------------------------------
        self.plusofon_requests = Counter(
            PREFIX + "plusofon_requests", "HTTP requests to the Plusofon API (each retry counts), by endpoint "
            "(list, add, delete) and outcome (ok, unauthorized = 401, user_not_found, not_found, bad_request, "
            "invalid = 422, rate_limited = 429, server_error = 5xx, malformed, timeout, connection_error).",
            ["endpoint", "outcome"], registry=r)
        self.plusofon_seconds = Histogram(
            PREFIX + "plusofon_request_seconds", "Duration of one Plusofon API request, by endpoint.",
            ["endpoint"], registry=r, buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0))
        # -- sign-in (to be wired by the token-renewal feature) -----------------------------------------
        self.renewals = Counter(
            PREFIX + "token_renewals", "Plusofon token renewals, by outcome (ok, failed).", ["outcome"],
            registry=r)
        # -- team notifications (wired: storage/outbox.py, read at scrape time) -------------------------
        self.outbox_pending = Gauge(
            PREFIX + "outbox_pending", "Team notifications waiting to be sent.", registry=r)
        self.outbox_oldest_age = Gauge(
            PREFIX + "outbox_oldest_age_seconds", "Age of the oldest team notification waiting to be sent "
            "(0 when none waits). Alert when it keeps growing: notifications are stuck.", registry=r)
        # -- temporary numbers (wired: storage/expiries.py, read at scrape time) ------------------------
        self.expiries_pending = Gauge(
            PREFIX + "expiries_pending", "Temporary numbers the bot will delete at their expiry.", registry=r)
        self.expiries_failing = Gauge(
            PREFIX + "expiries_failing", "Temporary numbers whose delete at expiry failed at least once and is "
            "being retried. Alert when above 0 for an hour.", registry=r)
        # -- account mirror (to be wired by the mirror feature) -----------------------------------------
        self.mirror_accounts = Gauge(
            PREFIX + "mirror_accounts", "Plusofon accounts the local mirror keeps a copy of.", registry=r)
        self.mirror_numbers = Gauge(
            PREFIX + "mirror_numbers", "Smart numbers held in the local mirror, all accounts together.",
            registry=r)
        self.mirror_sync_lag = Gauge(
            PREFIX + "mirror_sync_lag_seconds", "Of the accounts used in the last hour, the most seconds since one "
            "was last confirmed: a probe that agreed, a repair, a whole read (the worst staleness). Alert when far above "
            "the sync interval.", registry=r)
        self.mirror_syncs = Counter(
            PREFIX + "mirror_syncs", "Background syncs of one account's numbers, by outcome (ok, failed).",
            ["outcome"], registry=r)
        self.mirror_calls = Counter(
            PREFIX + "mirror_calls", "Plusofon calls of the mirror's background work, by reason: first (an account's "
            "first whole read), probe (two pages an interval), repair (finding and mending changes made "
            "elsewhere), full (the safety net's whole reads, and whole reads a repair asked for).",
            ["reason"], registry=r)
        self.mirror_page_sizes = Counter(
            PREFIX + "mirror_page_sizes", "Accounts whose list was asked once for big pages, by whether it gave "
            "them (big) or its usual 15 (usual).", ["found"], registry=r)
        # -- throttling (to be wired by the throttle middleware) ----------------------------------------
        self.throttled = Counter(
            PREFIX + "throttled_requests", "Updates refused by the throttle, by kind (message, callback_query).",
            ["kind"], registry=r)

        self._refreshers: list[Refresher] = []
        self._update_children: dict[tuple[str, str], Counter] = {}
        self._latency_children: dict[str, Histogram] = {}
        self._plusofon_children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}

    # -- hot path -----------------------------------------------------------------------------------------

    def update_handled(self, kind: str, outcome: str, seconds: float) -> None:
        key = (kind, outcome)
        counter = self._update_children.get(key)
        if counter is None:
            counter = self._update_children[key] = self.updates.labels(_fixed(kind, UPDATE_KINDS),
                                                                       _fixed(outcome, UPDATE_OUTCOMES))
        counter.inc()
        histogram = self._latency_children.get(kind)
        if histogram is None:
            histogram = self._latency_children[kind] = self.update_seconds.labels(_fixed(kind, UPDATE_KINDS))
        histogram.observe(seconds)

    def plusofon_request(self, endpoint: str, outcome: str, seconds: float) -> None:
        key = (endpoint, outcome)
        pair = self._plusofon_children.get(key)
        if pair is None:
            endpoint_label = _fixed(endpoint, PLUSOFON_ENDPOINTS)
            pair = self._plusofon_children[key] = (
                self.plusofon_requests.labels(endpoint_label, _fixed(outcome, PLUSOFON_OUTCOMES)),
                self.plusofon_seconds.labels(endpoint_label))
        pair[0].inc()
        pair[1].observe(seconds)

    # -- for the features wired after the merge ---------------------------------------------------------

    def renewal(self, ok: bool) -> None:
        self.renewals.labels("ok" if ok else "failed").inc()

    def mirror_synced(self, ok: bool) -> None:
        self.mirror_syncs.labels("ok" if ok else "failed").inc()

    def mirror_spent(self, reason: str, calls: int) -> None:
        if calls:
            self.mirror_calls.labels(_fixed(reason, MIRROR_CALL_REASONS)).inc(calls)

    def mirror_page_size(self, big: bool) -> None:
        self.mirror_page_sizes.labels("big" if big else "usual").inc()

    def mirror_state(self, accounts: int, numbers: int, lag_seconds: float) -> None:
        self.mirror_accounts.set(accounts)
        self.mirror_numbers.set(numbers)
        self.mirror_sync_lag.set(max(lag_seconds, 0.0))

    def outbox_state(self, pending: int, oldest_age: float) -> None:
        self.outbox_pending.set(pending)
        self.outbox_oldest_age.set(oldest_age)

    def expiry_state(self, pending: int, failing: int) -> None:
        self.expiries_pending.set(pending)
        self.expiries_failing.set(failing)

    def throttle(self, kind: str) -> None:
        self.throttled.labels(_fixed(kind, THROTTLED_KINDS)).inc()

    # -- scrape -------------------------------------------------------------------------------------------

    def on_scrape(self, refresher: Refresher) -> None:
        """Run `refresher(metrics)` before each scrape (gauges read from SQLite and the like)."""
        self._refreshers.append(refresher)

    async def render(self) -> bytes:
        """The text exposition format, after refreshing the scrape-time gauges (a refresher that fails or
        hangs leaves its gauges at their last values and is logged)."""
        for refresher in self._refreshers:
            try:
                async with asyncio.timeout(REFRESH_TIMEOUT):
                    await refresher(self)
            except Exception as error:  # noqa: BLE001 - a scrape must still answer
                log.warning("metrics: could not refresh %s: %r", getattr(refresher, "__qualname__", refresher),
                            error)
        return generate_latest(self.registry)


def _fixed(value: str, allowed: frozenset[str]) -> str:
    return value if value in allowed else "other"
