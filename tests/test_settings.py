"""Tests for bot/core/settings.py and for how `python -m bot` reports a bad setting (one line, exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.core.settings import CoreSettings, Settings, SettingsError, load

REPO_ROOT = Path(__file__).resolve().parents[1]
BOT_TOKEN = "123456:ABC-DEF_ghijklmnop-SECRET"
SETTING_NAMES = (
    "BOT_TOKEN", "PLUSOFON_API_URL", "PLUSOFON_CLIENT_ID", "DATABASE_PATH", "SECRET_KEY", "LOG_LEVEL",
    "ADMIN_IDS", "NOTIFY_CHAT_ID", "TELEGRAM_API_URL",
)


def clean_environ() -> dict[str, str]:
    """os.environ without any of the bot's settings (in any case: pydantic-settings ignores case)."""
    names = {name.upper() for name in SETTING_NAMES}
    return {key: value for key, value in os.environ.items() if key.upper() not in names}


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the outer environment, and a cwd without a stray .env."""
    for key in os.environ.keys() - clean_environ().keys():
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def settings_error(monkeypatch: pytest.MonkeyPatch, cls: type[CoreSettings] = Settings, **env: str) -> str:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as raised:
        load(cls)
    message = str(raised.value)
    assert "\n" not in message, message
    return message


# ---- in process ------------------------------------------------------------------------------------


def test_defaults(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    settings = load(Settings)
    assert settings.plusofon_api_url == "https://restapi.plusofon.ru"
    assert settings.plusofon_client_id == "10553"
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.log_level == "INFO"
    assert settings.admin_ids == frozenset()
    assert settings.notify_chat_id is None
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.secret_key is None
    assert settings.bot_token.get_secret_value() == BOT_TOKEN
    assert settings.startup_timeout_s == 60


def test_the_bot_listens_on_this_machine_only_unless_told(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    settings = load(Settings)
    assert (settings.webhook_host, settings.metrics_host) == ("127.0.0.1", "127.0.0.1")
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    assert "WEBHOOK_HOST=127.0.0.1" in example and "METRICS_HOST=127.0.0.1" in example


def test_core_settings_need_no_bot_token():
    core = load(CoreSettings)
    assert core.plusofon_api_url == "https://restapi.plusofon.ru"
    assert core.database_path == Path("data/bot.sqlite3")
    assert core.secret_key is None


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    key = Fernet.generate_key().decode()
    for name, value in {
        "BOT_TOKEN": BOT_TOKEN, "PLUSOFON_API_URL": "http://127.0.0.1:8080/", "PLUSOFON_CLIENT_ID": "777",
        "DATABASE_PATH": str(tmp_path / "x.db"), "SECRET_KEY": key, "LOG_LEVEL": "debug",
        "ADMIN_IDS": "1, 2,3", "NOTIFY_CHAT_ID": "-1001234567890123",
        "TELEGRAM_API_URL": "http://localhost:81",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load(Settings)
    assert settings.plusofon_api_url == "http://127.0.0.1:8080"  # the trailing slash is dropped
    assert settings.plusofon_client_id == "777"
    assert settings.database_path == tmp_path / "x.db"
    assert settings.secret_key.get_secret_value() == key
    assert settings.log_level == "DEBUG"
    assert settings.admin_ids == {1, 2, 3}
    assert settings.notify_chat_id == -1001234567890123
    assert settings.telegram_api_url == "http://localhost:81"


@pytest.mark.parametrize(("value", "expected"), [
    ("1, 2,3", {1, 2, 3}), ("42", {42}), ("", set()), (" ", set()), ("1,,2,", {1, 2}),
    ("9007199254740993", {9007199254740993}),
])
def test_admin_ids(monkeypatch: pytest.MonkeyPatch, value: str, expected: set[int]):
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("ADMIN_IDS", value)
    assert load(Settings).admin_ids == expected


@pytest.mark.parametrize("name", ["NOTIFY_CHAT_ID", "SECRET_KEY"])
def test_empty_values_mean_unset(monkeypatch: pytest.MonkeyPatch, name: str):
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv(name, "")
    assert getattr(load(Settings), name.lower()) is None


def test_dotenv_in_the_cwd_is_read(tmp_path: Path):
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={BOT_TOKEN}\nADMIN_IDS=5,6\nLOG_LEVEL=WARNING\nNOTIFY_CHAT_ID=-100777\n",
        encoding="utf-8")
    settings = load(Settings)
    assert settings.bot_token.get_secret_value() == BOT_TOKEN
    assert settings.admin_ids == {5, 6}
    assert settings.log_level == "WARNING"
    assert settings.notify_chat_id == -100777


def test_environment_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    (tmp_path / ".env").write_text(f"BOT_TOKEN={BOT_TOKEN}\nLOG_LEVEL=WARNING\n", encoding="utf-8")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    assert load(Settings).log_level == "ERROR"


@pytest.mark.parametrize(("name", "value"), [
    ("ADMIN_IDS", "x"),
    ("ADMIN_IDS", "1,two"),
    ("NOTIFY_CHAT_ID", "abc"),
    ("LOG_LEVEL", "LOUD"),
    ("PLUSOFON_API_URL", "ftp://x"),
    ("TELEGRAM_API_URL", "api.telegram.org"),
    ("PLUSOFON_CLIENT_ID", ""),
    ("BOT_TOKEN", "nocolon"),
    ("BOT_TOKEN", "abc:def"),
    ("BOT_TOKEN", "987654:"),
    ("BOT_TOKEN", "   "),
])
def test_malformed_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str):
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    message = settings_error(monkeypatch, **{name: value})
    assert name in message
    if name == "BOT_TOKEN" and value.strip():
        assert value not in message  # not even a malformed token is echoed


@pytest.mark.parametrize(("name", "value"), [("LOG_LEVEL", "LOUD"), ("PLUSOFON_API_URL", "ftp://x")])
def test_core_settings_check_their_values_too(monkeypatch: pytest.MonkeyPatch, name: str, value: str):
    assert name in settings_error(monkeypatch, CoreSettings, **{name: value})


def test_missing_bot_token_is_named():
    with pytest.raises(SettingsError, match="BOT_TOKEN"):
        load(Settings)


def test_bot_token_is_never_shown(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SECRET_KEY", key := Fernet.generate_key().decode())
    settings = load(Settings)
    for text in (str(settings.bot_token), repr(settings.bot_token), str(settings), repr(settings),
                 f"{settings.bot_token}", str(settings.model_dump())):
        assert BOT_TOKEN not in text
        assert BOT_TOKEN.partition(":")[2] not in text
        assert key not in text


# ---- `python -m bot` in a subprocess -------------------------------------------------------------------

# Each `python -m bot` spends ~2.5 s importing aiogram: all of them are started at once, at module set-up.
SUBPROCESS_CASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "no_token": ([], {}),
    "bad_admin_ids": ([], {"BOT_TOKEN": BOT_TOKEN, "ADMIN_IDS": "1,two"}),
    "bad_secret_key_cli": (["chats", "list"], {"SECRET_KEY": "not-a-fernet-key"}),
    "bad_secret_key_bot": ([], {"BOT_TOKEN": BOT_TOKEN, "SECRET_KEY": "not-a-fernet-key"}),
    "bad_log_level_cli": (["chats", "list"], {"LOG_LEVEL": "LOUD"}),
}


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, subprocess.Popen]]:
    procs: dict[str, subprocess.Popen] = {}
    try:
        for name, (args, extra_env) in SUBPROCESS_CASES.items():
            cwd = tmp_path_factory.mktemp(name)
            env = {**clean_environ(), "PYTHONPATH": str(REPO_ROOT), "DATABASE_PATH": str(cwd / "db.sqlite3"),
                   # never reach the real services, whatever happens
                   "TELEGRAM_API_URL": "http://127.0.0.1:9", "PLUSOFON_API_URL": "http://127.0.0.1:9",
                   **extra_env}
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
        yield procs
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


def finished(procs: dict[str, subprocess.Popen], name: str) -> tuple[int, str, str]:
    proc = procs[name]
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"`python -m bot` ({name}) did not exit: stdout={stdout!r} stderr={stderr!r}")
    return proc.returncode, stdout, stderr


def assert_one_line_naming(procs: dict[str, subprocess.Popen], case: str, name: str) -> str:
    code, stdout, stderr = finished(procs, case)
    assert code == 2, (code, stdout, stderr)
    assert "Traceback" not in stderr + stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert name in lines[0]
    return lines[0]


def test_cli_without_bot_token_exits_2_naming_it(launched):
    assert_one_line_naming(launched, "no_token", "BOT_TOKEN")


def test_cli_with_malformed_admin_ids_exits_2_naming_it(launched):
    line = assert_one_line_naming(launched, "bad_admin_ids", "ADMIN_IDS")
    assert BOT_TOKEN not in line


def test_admin_cli_with_malformed_secret_key_exits_2_naming_it(launched):
    line = assert_one_line_naming(launched, "bad_secret_key_cli", "SECRET_KEY")
    assert "not-a-fernet-key" not in line


def test_bot_with_malformed_secret_key_exits_2_naming_it(launched):
    line = assert_one_line_naming(launched, "bad_secret_key_bot", "SECRET_KEY")
    assert "not-a-fernet-key" not in line


def test_admin_cli_with_malformed_log_level_exits_2_naming_it(launched):
    assert_one_line_naming(launched, "bad_log_level_cli", "LOG_LEVEL")
