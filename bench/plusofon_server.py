"""The fake Plusofon API (tests/fake_plusofon.py) as its own process, with a request counter to read remotely.

    python -m bench.plusofon_server --accounts accounts.json [--delay SECONDS] [--rate-limit N]

`accounts.json` is a list of `[user_id, token, count]`. Prints `READY <api url> <control url>` once listening.
`GET <control url>/take` answers `{"GET": n, "POST": n, "DELETE": n}`: the requests served since the
previous take (the fake's recorded requests are cleared on every take, so memory stays flat).
`GET <control url>/calls` answers what the latency mode needs, about the requests answered since the previous
take: by route (`GET /api/v1/smart-numbers`, `DELETE /api/v1/smart-numbers/{id}`, ...), by status, the list
pages answered 200; and now: requests in flight, seconds since the last request and the last list GET arrived,
the numbers each account holds. `GET <control url>/number?user_id=U&position=P`: one of them (JSON, or null).
`--delay` answers every request that much later (a round trip);
`--rate-limit N` allows N requests a minute per token (429 with Retry-After beyond).
It runs apart from the driver so that serving the bot's API calls does not compete with the simulated users.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fake_plusofon import API_PATH, FakePlusofon


def take_counts(api: FakePlusofon) -> dict[str, int]:
    counts = Counter(request.method for request in api.requests)
    api.clear_requests()
    return dict(counts)


class CallLog:
    """The answered requests, taken in batches by the control endpoint; the times of the latest arrivals."""

    def __init__(self, api: FakePlusofon, accounts: list[int]) -> None:
        self.api = api
        self.accounts = accounts
        self.last_request_at: float | None = None
        self.last_list_at: float | None = None

    def take(self) -> dict[str, Any]:
        requests = self.api.requests
        answered = [r for r in requests if r.status is not None]
        requests[:] = [r for r in requests if r.status is None]  # still in flight: taken once answered
        for r in answered:
            self.last_request_at = max(self.last_request_at or r.at, r.at)
            if r.method == "GET" and r.path == API_PATH:
                self.last_list_at = max(self.last_list_at or r.at, r.at)
        for r in requests:
            self.last_request_at = max(self.last_request_at or r.at, r.at)
        now = time.monotonic()
        return {
            "routes": dict(Counter(f"{r.method} {_route(r.path)}" for r in answered)),
            "statuses": dict(Counter(str(r.status) for r in answered)),
            "pages_ok": sorted({_page(r.query) for r in answered
                                if r.method == "GET" and r.path == API_PATH and r.status == 200}),
            "in_flight": self.api.in_flight,
            "idle_for": None if self.last_request_at is None else now - self.last_request_at,
            "last_list_ago": None if self.last_list_at is None else now - self.last_list_at,
            "numbers": {str(user_id): self.api.total(user_id) for user_id in self.accounts},
            "per_page": self.api.per_page,
        }


def _route(path: str) -> str:
    if path.startswith(API_PATH + "/"):
        return API_PATH + "/{id}"
    return path


def _page(query: dict[str, str]) -> int:
    value = query.get("page", "1")
    return int(value) if value.isdigit() and int(value) >= 1 else 1


async def serve(accounts_file: Path, delay: float = 0.0, rate_limit: int | None = None) -> None:
    api = FakePlusofon()
    api.record_requests = True  # only to count them: take_counts() empties the list every time
    api.delay = delay
    api.rate_limit = rate_limit
    seeds = json.loads(accounts_file.read_text())
    calls = CallLog(api, [user_id for user_id, _, _ in seeds])
    for user_id, token, count in seeds:
        api.add_account(user_id, token)
        api.seed(user_id, count)

    async def take(request: web.Request) -> web.Response:
        return web.json_response(take_counts(api))

    async def take_calls(request: web.Request) -> web.Response:
        return web.json_response(calls.take())

    async def number(request: web.Request) -> web.Response:
        """The number at `position` of `user_id`'s list (ordered by id; negative counts from the end)."""
        numbers = api.numbers(int(request.query["user_id"]))
        position = int(request.query["position"])
        found = numbers[position] if -len(numbers) <= position < len(numbers) else None
        return web.json_response(found)

    control = web.Application()
    control.router.add_get("/take", take)
    control.router.add_get("/calls", take_calls)
    control.router.add_get("/number", number)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    control_url = f"http://127.0.0.1:{runner.addresses[0][1]}"

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await api.start()
    print(f"READY {api.base_url} {control_url}", flush=True)
    try:
        await stop.wait()
    finally:
        await api.stop()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=Path, required=True, help="JSON list of [user_id, token, count]")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer (a round trip)")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests a minute per token")
    args = parser.parse_args()
    asyncio.run(serve(args.accounts, args.delay, args.rate_limit))


if __name__ == "__main__":
    main()
