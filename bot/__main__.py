"""`python -m bot` starts the bot; `python -m bot chats ...` is the admin CLI."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from bot import cli
from bot.core.logs import setup_logging
from bot.core.settings import CoreSettings, Settings, SettingsError, load
from storage.cipher import SecretKeyError
from storage.database import UnusableDatabase


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.parse(argv)
    try:
        if args.command is None:
            return _run_bot()
        if args.command == "health":
            from bot.health import main as health  # needs the bot's settings, not only the core ones

            return health(load(Settings))
        settings = load(CoreSettings)
        setup_logging(settings.log_level, log_format=settings.log_format)
        return cli.main(args, settings)
    except (SettingsError, SecretKeyError, UnusableDatabase) as error:
        setting = "SECRET_KEY" if isinstance(error, SecretKeyError) else "DATABASE_PATH"
        message = str(error) if isinstance(error, SettingsError) else f"Setting {setting}: {error}"
        print(message, file=sys.stderr)
        return cli.EXIT_USAGE
    except KeyboardInterrupt:
        return 130


class _StopBeforeStart(BaseException):
    """SIGTERM before start-up installed its own handlers."""


def _stop_before_start(signum: int, frame: FrameType | None) -> None:
    raise _StopBeforeStart


def _run_bot() -> int:
    """The bot until it stops: 0 after a requested stop, else the exit code of bot/startup.py's table."""
    signal.signal(signal.SIGTERM, _stop_before_start)  # the loop's own handlers take over in bot/app.py
    try:
        settings = load(Settings)
        setup_logging(settings.log_level, log_format=settings.log_format)
        from bot.app import run  # aiogram takes seconds to import: not before the settings are known good
        from bot.startup import EXIT_CRASHED, StartupError

        try:
            return run(settings)
        except StartupError as error:
            logging.getLogger("bot").critical("%s", error, exc_info=settings.log_level == "DEBUG")
            return error.exit_code
        except Exception:
            logging.getLogger("bot").critical("the bot stopped on an error", exc_info=True)
            return EXIT_CRASHED
    except (_StopBeforeStart, KeyboardInterrupt):
        return 0  # a requested stop: nothing was opened yet


if __name__ == "__main__":
    sys.exit(main())
