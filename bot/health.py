"""`python -m bot health`: is the running bot healthy? Exit 0 or 1 with a one-line reason (a container
HEALTHCHECK runs it).

Healthy means the bot's process runs (it names itself in a file beside the database while it runs, see
bot/heartbeat.py), the database answers and Telegram was heard from recently: in long polling, the last
answered getUpdates (polling asks every few seconds even when nobody writes, see bot/heartbeat.py); in
webhook mode, where Telegram may send nothing for hours, the bot's own /healthz answers (which checks the
database too).
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from contextlib import closing

from bot.core.settings import Settings
from bot.heartbeat import age, heartbeat_path, pid_path, running_pid
from bot.inline_mode import health_note

HEALTH_PATH = "/healthz"  # the webhook server's health endpoint (bot/webhook.py)
MAX_SILENCE = 90.0   # seconds without an answered getUpdates before polling counts as stuck
TIMEOUT = 3.0        # seconds for each check


def check(settings: Settings) -> tuple[bool, str]:
    database = settings.database_path
    if not database.exists():
        return False, f"no database at {database}"
    try:
        uri = f"{database.resolve().as_uri()}?mode=rw"  # never creates the file
        with closing(sqlite3.connect(uri, uri=True, timeout=TIMEOUT)) as conn:
            (chats,) = conn.execute("SELECT count(*) FROM chats").fetchone()
    except sqlite3.Error as error:
        return False, f"the database does not answer: {error}"
    if running_pid(database) is None:
        return False, f"stopped: no bot process runs on {database} (see {pid_path(database).name})"
    silence = age(heartbeat_path(database))
    heard = "never" if silence is None else f"{silence:.0f} s ago"
    note = health_note(database)  # inline mode off in BotFather: healthy, but said
    app = f"Mini App on at {settings.webapp_url}" if settings.webapp_url else "Mini App off (WEBAPP_URL unset)"
    if settings.webhook_url:
        problem = _webhook_problem(settings)
        if problem:
            return False, problem
        return True, f"ok: webhook server and database answer ({chats} chats); last update {heard}" + f"; {app}" + note
    if silence is None:
        return False, "Telegram has not answered getUpdates yet"
    if silence > MAX_SILENCE:
        return False, f"no answered getUpdates for {silence:.0f} s (more than {MAX_SILENCE:.0f} s)"
    return True, f"ok: database answers ({chats} chats); last getUpdates {heard}" + f"; {app}" + note


def _webhook_problem(settings: Settings) -> str | None:
    host = "127.0.0.1" if settings.webhook_host in ("0.0.0.0", "::", "") else settings.webhook_host
    url = f"http://{host}:{settings.webhook_port}{HEALTH_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # our own server, on this machine
            response.read()
        return None
    except urllib.error.HTTPError as error:
        try:
            status = json.loads(error.read()).get("status", error.code)
        except (ValueError, AttributeError):
            status = error.code
        return f"the webhook server answers {error.code} ({status})"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"the webhook server does not answer on {host}:{settings.webhook_port}: {reason}"


def main(settings: Settings) -> int:
    healthy, reason = check(settings)
    print(reason)
    return 0 if healthy else 1
