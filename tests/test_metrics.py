"""Prometheus metrics: scraped over HTTP from the in-process bot, and the metrics the lead wires after merging."""

from __future__ import annotations

import re
import socket

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.core.metrics import PREFIX, Metrics
from bot.metrics_server import start_metrics_server
from tests.conftest import PLUSOFON_TOKEN
from tests.fake_telegram import TEST_TOKEN
from tests.harness import BotHarness

TEAM = -100777
TEAM_TITLE = "Отдел продаж «Ромашка»"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def scrape(metrics: Metrics) -> str:
    """GET /metrics from a real server on 127.0.0.1, as Prometheus does."""
    port = free_port()
    runner = await start_metrics_server(metrics, "127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            return await response.text()
    finally:
        await runner.cleanup()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((PREFIX + name, tuple(sorted(labels.items()))), 0.0)


async def test_a_scrape_shows_updates_latency_plusofon_calls_and_expiries(harness: BotHarness, plusofon):
    plusofon.seed(40, 3)
    await harness.connect_chat(100)
    await harness.send("/list")
    await harness.send("/add 8 999 333 22 10 Анна, склад --ttl 7d")
    await harness.send("/frobnicate secret words")  # no handler takes an unknown command
    metrics: Metrics = harness.services.metrics

    text = await scrape(metrics)

    assert value(text, "updates_total", kind="message", outcome="handled") == 2
    assert value(text, "updates_total", kind="message", outcome="unhandled") == 1
    assert value(text, "update_seconds_count", kind="message") == 3
    assert value(text, "update_seconds_sum", kind="message") > 0
    assert value(text, "plusofon_requests_total", endpoint="list", outcome="ok") == plusofon.count("GET")
    assert value(text, "plusofon_requests_total", endpoint="add", outcome="ok") == 1
    assert value(text, "plusofon_request_seconds_count", endpoint="list") == plusofon.count("GET")
    assert value(text, "expiries_pending") == 1
    assert value(text, "expiries_failing") == 0
    assert value(text, "outbox_pending") == 0
    # the mirror holds the one account used, whole after /add's check (one page), with the added number
    assert value(text, "mirror_accounts") == 1
    assert value(text, "mirror_numbers") == len(plusofon.numbers(40)) == 4
    assert 0 <= value(text, "mirror_sync_lag_seconds") < 60
    for name in ("token_renewals", "mirror_syncs", "throttled_requests"):
        assert f"# TYPE {PREFIX}{name}_total counter" in text


async def test_plusofon_errors_are_counted_by_outcome(harness: BotHarness, plusofon):
    plusofon.seed(40, 3)
    await harness.connect_chat(100)
    plusofon.inject("401", method="GET")
    await harness.send("/list")
    plusofon.inject("503", method="GET", times=3)
    await harness.send("/list")

    text = await scrape(harness.services.metrics)

    assert value(text, "plusofon_requests_total", endpoint="list", outcome="unauthorized") == 1
    assert value(text, "plusofon_requests_total", endpoint="list", outcome="server_error") == 3  # with retries


async def test_the_outbox_backlog_and_its_oldest_age(tmp_path, plusofon):
    h = await BotHarness(tmp_path, plusofon, notify_chat_id=TEAM).start()
    try:
        await h.services.notifier.stop()  # nobody sends: the notifications wait in the outbox
        await h.connect_chat(100)
        plusofon.seed(40, 1)
        await h.send("/add 8 999 333 22 10 Анна")
        await h.send("/add 8 999 333 22 11 Борис")
        text = await scrape(h.services.metrics)
        assert value(text, "outbox_pending") == 2
        first_age = value(text, "outbox_oldest_age_seconds")
        assert first_age > 0
        assert value(await scrape(h.services.metrics), "outbox_oldest_age_seconds") > first_age  # it grows
    finally:
        await h.stop()


async def test_failing_expiries_are_counted(harness: BotHarness, plusofon):
    plusofon.seed(40, 1)
    await harness.connect_chat(100)
    await harness.send("/add 8 999 333 22 10 Анна --ttl 12h")
    plusofon.inject("503", method="DELETE", times=10)
    harness.clock.advance(13 * 3600)
    await harness.expirer.run_due()

    text = await scrape(harness.services.metrics)

    assert value(text, "expiries_pending") == 1
    assert value(text, "expiries_failing") == 1


async def test_no_label_or_value_carries_a_phone_a_token_a_title_or_text(tmp_path, plusofon):
    h = await BotHarness(tmp_path, plusofon, notify_chat_id=TEAM).start()
    try:
        plusofon.seed(40, 2)
        await h.connect_chat(100)
        await h.connect_chat(-1001)
        await h.send("/add +7 999 333-22-10 Иван Петров", chat_id=-1001, user_id=55, first_name=TEAM_TITLE)
        await h.send("/list 999 333", chat_id=-1001, user_id=55, first_name=TEAM_TITLE)
        text = await scrape(h.services.metrics)
    finally:
        await h.stop()
    labels = {(name, key, label) for (name, pairs) in samples(text) for key, label in pairs}
    assert labels, "the scrape has labelled samples"
    for name, key, label in labels:
        assert key in {"kind", "outcome", "endpoint", "le"}, name
        assert re.fullmatch(r"[a-z_]+|[0-9.]+|\+Inf", label), (name, label)
    names_and_help = "\n".join(line.rsplit(" ", 1)[0] for line in text.splitlines())  # without the values
    for forbidden in ("999", "333", "Иван", "Ромашка", PLUSOFON_TOKEN, TEST_TOKEN.split(":")[1], "1001"):
        assert forbidden not in names_and_help


def test_the_metrics_for_the_mirror_the_throttle_and_renewals():
    metrics = Metrics()
    metrics.mirror_state(accounts=3, numbers=1200, lag_seconds=42.5)
    metrics.mirror_synced(ok=True)
    metrics.mirror_synced(ok=False)
    metrics.throttle("message")
    metrics.throttle("a chat's free text")  # anything unknown is folded into "other"
    metrics.renewal(ok=True)
    from prometheus_client import generate_latest

    text = generate_latest(metrics.registry).decode()
    assert value(text, "mirror_accounts") == 3
    assert value(text, "mirror_numbers") == 1200
    assert value(text, "mirror_sync_lag_seconds") == 42.5
    assert value(text, "mirror_syncs_total", outcome="ok") == 1
    assert value(text, "mirror_syncs_total", outcome="failed") == 1
    assert value(text, "throttled_requests_total", kind="message") == 1
    assert value(text, "throttled_requests_total", kind="other") == 1
    assert value(text, "token_renewals_total", outcome="ok") == 1
    assert "free text" not in text


def test_each_dispatcher_has_its_own_registry():
    first, second = Metrics(), Metrics()  # a global registry would refuse the second set of names
    first.throttle("message")
    assert first.registry is not second.registry
    from prometheus_client import generate_latest

    assert value(generate_latest(second.registry).decode(), "throttled_requests_total", kind="message") == 0


async def test_a_failing_refresher_does_not_break_the_scrape(caplog):
    metrics = Metrics()

    async def broken(_: Metrics) -> None:
        raise RuntimeError("database is locked")

    metrics.on_scrape(broken)
    text = await scrape(metrics)
    assert f"{PREFIX}outbox_pending" in text
    assert "could not refresh" in caplog.text
