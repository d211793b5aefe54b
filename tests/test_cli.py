"""The admin CLI (`python -m bot chats ...`) as a real subprocess, against the fake Plusofon API.

The fake server runs in the test's event loop, so the CLI is started with asyncio.create_subprocess_exec
(a blocking subprocess.run would starve the server and deadlock).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from storage.chats import ChatRepository
from storage.cipher import KEY_FILE_NAME, load_cipher
from storage.database import connect
from tests.bot_command import Result, run_bot
from tests.conftest import PLUSOFON_CLIENT_ID, PLUSOFON_TOKEN, PLUSOFON_USER_ID
from tests.fake_plusofon import FakePlusofon

REPO_ROOT = Path(__file__).resolve().parents[1]
CHAT_ID = -1001234567890
NOTIFY_CHAT_ID = -100999
SETTING_NAMES = {
    "BOT_TOKEN", "PLUSOFON_API_URL", "PLUSOFON_CLIENT_ID", "DATABASE_PATH", "SECRET_KEY", "LOG_LEVEL",
    "ADMIN_IDS", "NOTIFY_CHAT_ID", "TELEGRAM_API_URL",
}


@dataclass
class Cli:
    cwd: Path
    env: dict[str, str]

    @property
    def db_path(self) -> Path:
        return Path(self.env["DATABASE_PATH"])

    async def __call__(self, *args: str, stdin: str = "", **env: str) -> Result:
        return await run_bot("chats", *args, cwd=self.cwd, env={**self.env, **env}, stdin=stdin)

    async def add(self, chat_id: int = CHAT_ID, *extra: str, user_id: int = PLUSOFON_USER_ID,
                  token: str = PLUSOFON_TOKEN, **env: str) -> Result:
        return await self("add", str(chat_id), "--user-id", str(user_id), *extra, stdin=token + "\n", **env)


def closed_port_url() -> str:
    """An http:// URL on which nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def secret_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def cli(tmp_path: Path, secret_key: str) -> Cli:
    """The CLI against nothing (a closed port); tests that need the API use `api_cli`."""
    env = {key: value for key, value in os.environ.items() if key.upper() not in SETTING_NAMES}
    env.update(PYTHONPATH=str(REPO_ROOT), DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
               PLUSOFON_API_URL=closed_port_url(), SECRET_KEY=secret_key, LOG_LEVEL="INFO")
    env.pop("PYTHONSTARTUP", None)
    return Cli(tmp_path, env)


@pytest.fixture
def api_cli(cli: Cli, plusofon: FakePlusofon) -> Cli:
    cli.env["PLUSOFON_API_URL"] = plusofon.base_url
    return cli


def raw_bytes(db_path: Path) -> bytes:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def listed(cli: Cli) -> str:
    result = await cli("list")
    assert result.code == 0, result
    return result.stdout


# ---- add, list -------------------------------------------------------------------------------------


async def test_add_checks_the_token_then_list_shows_it_masked(api_cli: Cli, plusofon: FakePlusofon):
    result = await api_cli.add(CHAT_ID, "--notify-chat", str(NOTIFY_CHAT_ID))
    assert result.code == 0, result
    assert str(CHAT_ID) in result.stdout

    seen = [(r.method, r.headers.get("Authorization"), r.headers.get("Client")) for r in plusofon.requests]
    assert seen == [("GET", f"Bearer {PLUSOFON_TOKEN}", PLUSOFON_CLIENT_ID)]

    result = await api_cli("list")
    assert result.code == 0, result
    row = next(line for line in result.stdout.splitlines() if str(CHAT_ID) in line)
    assert str(PLUSOFON_USER_ID) in row.split()
    assert str(NOTIFY_CHAT_ID) in row.split()
    assert PLUSOFON_TOKEN[-4:] in row
    assert PLUSOFON_TOKEN not in result.output
    assert PLUSOFON_TOKEN[:-4] not in result.output  # nothing but the last 4 characters


async def test_list_when_empty(cli: Cli):
    result = await cli("list")
    assert result.code == 0, result
    assert str(CHAT_ID) not in result.stdout


async def test_add_again_replaces_the_token(cli: Cli):
    assert (await cli.add(CHAT_ID, "--no-check", token="first-token-AAAA")).code == 0
    assert (await cli.add(CHAT_ID, "--no-check", token="second-token-BBBB")).code == 0
    out = await listed(cli)
    assert "BBBB" in out and "AAAA" not in out
    assert len([line for line in out.splitlines() if str(CHAT_ID) in line]) == 1


async def test_wrong_token_is_rejected_and_not_stored(api_cli: Cli, plusofon: FakePlusofon):
    result = await api_cli.add(token="wrong-token-123")
    assert result.code == 1, result
    assert "401" in result.stderr or "отклонил" in result.stderr
    assert "wrong-token-123" not in result.output
    assert str(CHAT_ID) not in await listed(api_cli)
    assert plusofon.count("GET") == 1  # a 401 is not retried


async def test_user_id_not_owned_by_the_token_is_rejected(api_cli: Cli, plusofon: FakePlusofon):
    result = await api_cli.add(user_id=41)
    assert result.code == 1, result
    assert "41" in result.stderr
    assert str(CHAT_ID) not in await listed(api_cli)
    assert plusofon.count("GET") == 1  # "User not found" is an answer, not a failure to retry


async def test_no_check_stores_without_the_api(cli: Cli):
    result = await cli.add(CHAT_ID, "--no-check")
    assert result.code == 0, result
    assert str(CHAT_ID) in await listed(cli)


async def test_unreachable_api_is_reported_and_nothing_stored(cli: Cli):
    result = await cli.add()
    assert result.code == 1, result
    assert "не отвечает" in result.stderr
    assert "--no-check" in result.stderr
    assert str(CHAT_ID) not in await listed(cli)


# ---- remove ----------------------------------------------------------------------------------------


async def test_remove(cli: Cli):
    assert (await cli.add(CHAT_ID, "--no-check")).code == 0
    assert (await cli.add(-100555, "--no-check")).code == 0

    result = await cli("remove", str(CHAT_ID))
    assert result.code == 0, result
    out = await listed(cli)
    assert str(CHAT_ID) not in out and "-100555" in out

    again = await cli("remove", str(CHAT_ID))
    assert again.code == 1, again
    assert str(CHAT_ID) in again.stderr


# ---- usage errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["add", str(CHAT_ID), "--no-check"],  # no --user-id: nothing to check it against
    ["add", str(CHAT_ID), "--email", "boss@example.com", "--no-check"],
    ["add", "notanumber", "--user-id", "1"],
    ["add", str(CHAT_ID), "--user-id", "forty"],
    ["add", "--user-id", "1"],  # no chat id
    ["remove"],
    ["remove", "x"],
    ["frobnicate"],
    [],
], ids=lambda args: " ".join(args) or "no-action")
async def test_usage_errors_exit_2(cli: Cli, args: list[str]):
    result = await cli(*args, stdin=PLUSOFON_TOKEN + "\n")
    assert result.code == 2, result
    assert result.stderr.strip()
    assert not cli.db_path.exists()  # refused before touching anything


@pytest.mark.parametrize("stdin", ["", "\n", "   \n"], ids=["eof", "empty-line", "blank"])
async def test_empty_token_exits_2(api_cli: Cli, plusofon: FakePlusofon, stdin: str):
    result = await api_cli("add", str(CHAT_ID), "--user-id", str(PLUSOFON_USER_ID), stdin=stdin)
    assert result.code == 2, result
    assert "токен" in result.stderr
    assert plusofon.requests == []
    assert str(CHAT_ID) not in await listed(api_cli)


# ---- secrets ---------------------------------------------------------------------------------------


async def test_token_never_in_the_database_file_nor_the_output(api_cli: Cli):
    results = [await api_cli.add(CHAT_ID, "--notify-chat", str(NOTIFY_CHAT_ID), LOG_LEVEL="DEBUG")]
    assert results[0].code == 0, results[0]
    results.append(await api_cli("list", LOG_LEVEL="DEBUG"))
    results.append(await api_cli.add(-100555, token="wrong-token-for-401", LOG_LEVEL="DEBUG"))
    assert results[2].code == 1, results[2]
    assert " DEBUG " in results[0].stderr  # the HTTP layer did log at DEBUG

    for result in results:
        assert PLUSOFON_TOKEN not in result.output, result.output
        assert "wrong-token-for-401" not in result.output, result.output
    raw = raw_bytes(api_cli.db_path)
    assert PLUSOFON_TOKEN.encode() not in raw
    assert b"plusofon_user_id" in raw  # the scan does see plain text


async def test_token_stored_by_the_cli_is_read_by_the_bot(api_cli: Cli, secret_key: str):
    conn = await connect(api_cli.db_path)
    try:
        # The bot's repository, open while the admin CLI runs in another process.
        chats = ChatRepository(conn, load_cipher(secret_key, api_cli.db_path), recheck_seconds=0)
        assert await chats.get(CHAT_ID) is None

        assert (await api_cli.add(CHAT_ID, "--notify-chat", str(NOTIFY_CHAT_ID))).code == 0
        auth = await chats.get(CHAT_ID)
        assert auth is not None
        assert (auth.user_id, auth.token, auth.notify_chat_id) == (
            PLUSOFON_USER_ID, PLUSOFON_TOKEN, NOTIFY_CHAT_ID)
        assert auth.by_admin  # the CLI is the admins' own tool: such a chat may tell NOTIFY_CHAT_ID

        assert (await api_cli("remove", str(CHAT_ID))).code == 0
        assert await chats.get(CHAT_ID) is None
    finally:
        await conn.close()


async def test_without_secret_key_the_key_file_is_shared_with_the_bot(cli: Cli):
    del cli.env["SECRET_KEY"]
    result = await cli.add(CHAT_ID, "--no-check")
    assert result.code == 0, result
    assert "SECRET_KEY" in result.stderr  # the warning about the generated key
    key_file = cli.db_path.parent / KEY_FILE_NAME
    assert key_file.is_file() and key_file.stat().st_mode & 0o777 == 0o600

    conn = await connect(cli.db_path)
    try:
        auth = await ChatRepository(conn, load_cipher(None, cli.db_path)).get(CHAT_ID)
        assert auth is not None and auth.token == PLUSOFON_TOKEN
    finally:
        await conn.close()

    again = await cli("list")
    assert again.code == 0 and "SECRET_KEY" not in again.stderr  # warned once, when the key was made
    assert str(CHAT_ID) in again.stdout


async def test_wrong_secret_key_hides_the_chat(cli: Cli):
    assert (await cli.add(CHAT_ID, "--no-check")).code == 0
    result = await cli("list", SECRET_KEY=Fernet.generate_key().decode())
    assert result.code == 0, result
    assert str(CHAT_ID) in result.stderr  # logged as undecryptable
    assert str(CHAT_ID) not in result.stdout


# ---- connecting without a user_id: authuser, or the e-mail and password ------------------------------

EMAIL, PASSWORD = "boss@example.com", "Pa55word-cli-secret"


async def test_add_without_user_id_asks_plusofon_whose_token_it_is(api_cli: Cli, plusofon: FakePlusofon):
    plusofon.add_login(PLUSOFON_USER_ID, EMAIL, PASSWORD, first_name="Иван")
    result = await api_cli("add", str(CHAT_ID), stdin=PLUSOFON_TOKEN + "\n")
    assert result.code == 0, result
    assert f"user_id {PLUSOFON_USER_ID}" in result.stdout and EMAIL in result.stdout
    assert [(r.method, r.path) for r in plusofon.requests] == [("GET", "/api/v1/authuser")]
    row = next(line for line in (await listed(api_cli)).splitlines() if str(CHAT_ID) in line)
    assert str(PLUSOFON_USER_ID) in row.split() and EMAIL in row and "токен" in row and "работает" in row
    assert PLUSOFON_TOKEN not in result.output


async def test_add_without_user_id_and_a_wrong_token_stores_nothing(api_cli: Cli, plusofon: FakePlusofon):
    result = await api_cli("add", str(CHAT_ID), stdin="wrong-token-1234567\n")
    assert result.code == 1, result
    assert "отклонил" in result.stderr and "wrong-token-1234567" not in result.output
    assert str(CHAT_ID) not in await listed(api_cli)


async def test_add_with_email_signs_in_with_the_password_from_stdin(api_cli: Cli, plusofon: FakePlusofon):
    plusofon.add_login(PLUSOFON_USER_ID, EMAIL, PASSWORD)
    result = await api_cli("add", str(CHAT_ID), "--email", EMAIL, stdin=PASSWORD + "\n", LOG_LEVEL="DEBUG")
    assert result.code == 0, result
    [(token, refresh_token)] = plusofon.issued
    login = next(r for r in plusofon.requests if r.path == "/api/v1/login")
    assert login.json == {"email": EMAIL, "password": PASSWORD} and "Authorization" not in login.headers
    out = await listed(api_cli)
    row = next(line for line in out.splitlines() if str(CHAT_ID) in line)
    assert EMAIL in row and "вход" in row and str(PLUSOFON_USER_ID) in row.split()
    for secret in (PASSWORD, token, refresh_token):
        assert secret not in result.output + out  # DEBUG logs included
        assert secret.encode() not in raw_bytes(api_cli.db_path)


async def test_a_chat_added_with_email_is_marked_as_connected_by_an_admin(api_cli: Cli, plusofon: FakePlusofon,
                                                                         secret_key: str):
    """Issue 22, item 16: like every `chats add`, the sign-in way is the admins' own tool (README)."""
    plusofon.add_login(PLUSOFON_USER_ID, EMAIL, PASSWORD)
    assert (await api_cli("add", str(CHAT_ID), "--email", EMAIL, stdin=PASSWORD + "\n")).code == 0
    conn = await connect(api_cli.db_path)
    try:
        auth = await ChatRepository(conn, load_cipher(secret_key, api_cli.db_path)).get(CHAT_ID)
    finally:
        await conn.close()
    assert auth is not None and auth.refresh_token and auth.by_admin


async def test_add_with_email_and_a_wrong_password_stores_nothing(api_cli: Cli, plusofon: FakePlusofon):
    plusofon.add_login(PLUSOFON_USER_ID, EMAIL, PASSWORD)
    result = await api_cli("add", str(CHAT_ID), "--email", EMAIL, stdin="not-the-password\n")
    assert result.code == 1, result
    assert "не принял e-mail или пароль" in result.stderr and "not-the-password" not in result.output
    assert str(CHAT_ID) not in await listed(api_cli)
    assert plusofon.issued == []


async def test_list_tells_a_chat_never_checked_from_one_that_works(cli: Cli):
    assert (await cli.add(CHAT_ID, "--no-check")).code == 0
    row = next(line for line in (await listed(cli)).splitlines() if str(CHAT_ID) in line)
    assert "не проверялся" in row and "работает" not in row and "токен" in row
