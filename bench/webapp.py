"""`python -m bench --webapp`: the Mini App's search from the account's copy, timed on the server, at 10,000 and
100,000 numbers; and what the page weighs on the wire.

Each size gets a database of its own with the copy filled directly (no Plusofon involved: the API answers from
the copy alone while the token is trusted), the Mini App's real server on 127.0.0.1, and requests signed as
Telegram signs them. "Server time" is measured by a middleware around the whole request inside the server:
sign-in check, throttle, account, SQLite, JSON.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import json
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web

from bot.core.metrics import Metrics
from bot.core.models import SmartNumber
from bot.core.settings import Settings
from bot.dispatcher import create_services
from bot.plusofon import PlusofonClient
from storage.cipher import TokenCipher
from storage.database import connect
from storage.mirror import MirrorStore
from webapp.routes import add_webapp, page_files
from webapp.server import bound_port

BOT_TOKEN = "42:BENCH-TOKEN"
SECRET_KEY = "6cM2tVfGYb0yJb9nJ0yIqXr0f1QpJkq8pC4v3m6z9bQ="
USER, ACCOUNT, TOKEN = 700, 70, "bench-webapp-token"
SIZES = (10_000, 100_000)
FIRST_NAMES = ("Иван", "Пётр", "Анна", "Мария", "Олег", "Сергей", "Наталья", "Ольга", "Дмитрий", "Елена")
LAST_NAMES = ("Петров", "Иванова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Новикова")
COMPANIES = ("ООО «Ромашка»", "ИП Сидоров", "склад", "доставка", "стройка", "офис на Ленина", "")
# what a salesperson types: as-you-type prefixes of names and phones, whole phones, nothing (the first screen)
QUERIES = ("", "и", "ив", "ива", "иван", "петров", "ромашка", "склад", "999", "999 1", "999 12", "8999 123",
           "+7 999 123-45", "916", "45-67", "zzz", "наталья новикова", "офис", "офис 2", "9", "+7", "щ")


def init_data(user_id: int) -> str:
    fields = {"auth_date": str(int(time.time())), "user": json.dumps({"id": user_id, "first_name": "Bench"})}
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", BOT_TOKEN.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def numbers(count: int, seed: int = 26) -> list[SmartNumber]:
    rng = random.Random(seed)
    start = datetime(2023, 1, 1)
    return [SmartNumber.model_construct(
        id=1_000_000 + i, user_id=ACCOUNT, phone_a="74950000000", phone_b=f"79{rng.randrange(10**9):09d}",
        phone_x=f"7977{i:07d}", description=" ".join(filter(None, (
            rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(COMPANIES)))),
        created_at=start + timedelta(minutes=i)) for i in range(count)]


async def fill(path: Path, count: int) -> None:
    db = await connect(path)
    store = MirrorStore(db)
    rows = numbers(count)
    for at in range(0, count, 5_000):
        await store.put(ACCOUNT, [(number, at // 15 + 1) for number in rows[at:at + 5_000]])
    await store.update(ACCOUNT, total=count, synced_at=time.time(), ordered=1)
    await db.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(count: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-webapp-") as folder:
        path = Path(folder) / "bot.sqlite3"
        started = time.perf_counter()
        await fill(path, count)
        filled = time.perf_counter() - started
        settings = Settings(bot_token=BOT_TOKEN, database_path=path, secret_key=SECRET_KEY, _env_file=None,
                            webapp_url="https://bench.example/app/", webapp_host="127.0.0.1",
                            plusofon_api_url="http://127.0.0.1:9")  # never called: the token is trusted
        db = await connect(path)
        plusofon = PlusofonClient(settings.plusofon_api_url, settings.plusofon_client_id)
        services = create_services(settings, db=db, plusofon=plusofon, cipher=TokenCipher([SECRET_KEY]),
                                   metrics=Metrics(), mirror_options={"read_when_used": False})
        await services.chats.put(USER, ACCOUNT, TOKEN, by_admin=True)
        auth = await services.chats.get(USER)
        assert auth is not None
        services.mirror.call_finished(auth.credentials, None)  # Plusofon accepted the token just now
        times: dict[str, list[float]] = {}

        @web.middleware
        async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
            begun = time.perf_counter()
            try:
                return await handler(request)
            finally:
                times.setdefault(request.query.get("q", "") + "|" + request.query.get("offset", ""),
                                 []).append((time.perf_counter() - begun) * 1000)

        app = web.Application(middlewares=[timed])  # outermost: around the Mini App's own guard
        add_webapp(app, settings.model_copy(update={"admin_ids": frozenset({USER})}), services)  # no throttle
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        headers = {"Authorization": "tma " + init_data(USER)}
        deep = ""
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{bound_port(runner)}") as client:
                for _ in range(rounds):
                    for query in QUERIES:
                        answer = await client.get("/app/api/numbers", params={"q": query}, headers=headers)
                        assert answer.status_code == 200, answer.text
                    # a scroll far down: the 20th screen of the whole list
                    offset = deep
                    for _ in range(20 if not deep else 0):
                        page = (await client.get("/app/api/numbers", params={"offset": offset},
                                                 headers=headers)).json()
                        offset = page["next_offset"] or ""
                    deep = deep or offset
                    await client.get("/app/api/numbers", params={"offset": deep}, headers=headers)
                first = await client.get("/app/api/numbers", headers={**headers, "Accept-Encoding": "identity"})
        finally:
            await runner.cleanup()
            await plusofon.aclose()
            await db.close()
    searches = [ms for key, values in times.items() if key.endswith("|") for ms in values]
    scrolls = [ms for key, values in times.items() if not key.endswith("|") for ms in values]
    worst = max(((key.split("|")[0], statistics.median(values)) for key, values in times.items()
                 if key.endswith("|")), key=lambda pair: pair[1])
    per_query = {key.split("|")[0]: round(statistics.median(values), 1) for key, values in times.items()
                 if key.endswith("|")}
    return {"numbers": count, "fill_s": round(filled, 1), "searches": len(searches), "per_query_median_ms": per_query,
            "search_p50_ms": round(percentile(searches, 0.5), 1), "search_p95_ms": round(percentile(searches, 0.95), 1),
            "scroll_p50_ms": round(percentile(scrolls, 0.5), 1), "scroll_p95_ms": round(percentile(scrolls, 0.95), 1),
            "slowest_query": worst[0], "slowest_query_median_ms": round(worst[1], 1),
            "first_screen_bytes": len(first.content), "first_screen_gzip_bytes": len(gzip.compress(first.content))}


def page_weight() -> dict[str, int]:
    files = page_files()
    return {"files": len(files), "raw_bytes": sum(len(f.body) for f in files.values()),
            "gzip_bytes": sum(len(f.gzipped) for f in files.values())}


async def run_webapp(sizes: tuple[int, ...] = SIZES, rounds: int = 10) -> dict[str, Any]:
    return {"sizes": [await measure(count, rounds) for count in sizes], "page": page_weight()}


def table(results: dict[str, Any]) -> str:
    lines = ["numbers   search p50   search p95   scroll p50   scroll p95   slowest query (median)   first screen",
             "-------   ----------   ----------   ----------   ----------   ----------------------   ------------"]
    for row in results["sizes"]:
        lines.append(f"{row['numbers']:>7}   {row['search_p50_ms']:>7.1f} ms   {row['search_p95_ms']:>7.1f} ms   "
                     f"{row['scroll_p50_ms']:>7.1f} ms   {row['scroll_p95_ms']:>7.1f} ms   "
                     f"{row['slowest_query']!r:>12} {row['slowest_query_median_ms']:>6.1f} ms   "
                     f"{row['first_screen_bytes'] / 1024:.1f} KB ({row['first_screen_gzip_bytes'] / 1024:.1f} gz)")
    for row in results["sizes"]:
        lines.append(f"\n{row['numbers']} numbers, median per query: " + ", ".join(
            f"{query!r} {ms:.1f}" for query, ms in row["per_query_median_ms"].items()))
    page = results["page"]
    lines.append(f"\npage: {page['files']} files, {page['raw_bytes'] / 1024:.1f} KB, "
                 f"{page['gzip_bytes'] / 1024:.1f} KB gzip-compressed (telegram-web-app.js not counted: Telegram's)")
    return "\n".join(lines)


def main(out: Path) -> int:
    results = asyncio.run(run_webapp())
    print(table(results))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {out}")
    return 0
