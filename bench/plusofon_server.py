"""The fake Plusofon API (tests/fake_plusofon.py) as its own process, with a request counter to read remotely.

    python -m bench.plusofon_server --accounts accounts.json

`accounts.json` is a list of `[user_id, token, count]`. Prints `READY <api url> <control url>` once listening.
`GET <control url>/take` answers `{"GET": n, "POST": n, "DELETE": n}`: the requests served since the
previous take (the fake's recorded requests are cleared on every take, so memory stays flat).
It runs apart from the driver so that serving the bot's API calls does not compete with the simulated users.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from collections import Counter
from pathlib import Path

from aiohttp import web

from tests.fake_plusofon import FakePlusofon


def take_counts(api: FakePlusofon) -> dict[str, int]:
    counts = Counter(request.method for request in api.requests)
    api.clear_requests()
    return dict(counts)


async def serve(accounts_file: Path) -> None:
    api = FakePlusofon()
    api.record_requests = True  # only to count them: take_counts() empties the list every time
    for user_id, token, count in json.loads(accounts_file.read_text()):
        api.add_account(user_id, token)
        api.seed(user_id, count)

    async def take(request: web.Request) -> web.Response:
        return web.json_response(take_counts(api))

    control = web.Application()
    control.router.add_get("/take", take)
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
    asyncio.run(serve(parser.parse_args().accounts))


if __name__ == "__main__":
    main()
