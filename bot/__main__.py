"""`python -m bot` starts the bot; `python -m bot chats ...` is the admin CLI."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from bot import cli
from bot.core.logs import setup_logging
from bot.core.settings import CoreSettings, Settings, SettingsError, load
from storage.cipher import SecretKeyError


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.parse(argv)
    try:
        if args.command is None:
            settings = load(Settings)
            setup_logging(settings.log_level, log_format=settings.log_format)
            from bot.app import run  # aiogram takes seconds to import: not before the settings are known good

            try:
                return run(settings)
            except SecretKeyError:
                raise
            except Exception:
                logging.getLogger("bot").critical("the bot stopped on an error", exc_info=True)
                return 1
        if args.command == "health":
            from bot.health import main as health  # needs the bot's settings, not only the core ones

            return health(load(Settings))
        settings = load(CoreSettings)
        setup_logging(settings.log_level, log_format=settings.log_format)
        return cli.main(args, settings)
    except (SettingsError, SecretKeyError) as error:
        message = str(error) if isinstance(error, SettingsError) else f"Setting SECRET_KEY: {error}"
        print(message, file=sys.stderr)
        return cli.EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
