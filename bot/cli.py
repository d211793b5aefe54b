"""The admin command line: `python -m bot chats add|list|remove`, `backup PATH`, `rotate-key`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.logs import register_secret
from bot.plusofon import (
    APIConnectionError,
    AuthenticationError,
    Credentials,
    PlusofonClient,
    PlusofonError,
    UserNotFoundError,
)
from bot.settings import CoreSettings
from storage.backup import BackupError, backup
from storage.chats import ChatRepository
from storage.cipher import TokenCipher, load_cipher
from storage.database import connect
from storage.rotation import rotate_tokens

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Plusofon smart numbers bot. "
                                     "Without a command it starts the bot (long polling, or webhooks "
                                     "when WEBHOOK_URL is set).")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    chats = commands.add_parser("chats", help="connect Telegram chats to Plusofon accounts")
    actions = chats.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="connect a chat; the API token is read from stdin")
    add.add_argument("chat_id", type=int, metavar="CHAT_ID", help="Telegram chat id (negative for groups)")
    add.add_argument("--user-id", type=int, required=True, help="Plusofon user_id of the account")
    add.add_argument("--notify-chat", type=int, help="chat that hears about this chat's changes")
    add.add_argument("--no-check", action="store_true", help="store without checking the token against the API")

    actions.add_parser("list", help="show the connected chats (tokens masked)")

    remove = actions.add_parser("remove", help="disconnect a chat")
    remove.add_argument("chat_id", type=int, metavar="CHAT_ID")

    copy = commands.add_parser("backup", help="copy the database consistently, safe while the bot runs")
    copy.add_argument("path", type=Path, metavar="PATH", help="file to write (mode 0600)")
    copy.add_argument("--force", action="store_true", help="overwrite PATH if it exists")

    commands.add_parser("rotate-key", help="re-encrypt every stored token with the first key of SECRET_KEY")
    commands.add_parser("health", help="exit 0 if the running bot is healthy, else 1; prints one line why")
    return parser


def read_token() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("API token Plusofon: ").strip()
    return sys.stdin.readline().strip()


async def run(args: argparse.Namespace, settings: CoreSettings) -> int:
    if args.command == "backup":
        return await _backup(args, settings)
    cipher = load_cipher(_secret(settings), settings.database_path)
    if args.command == "rotate-key":
        return await _rotate_key(settings, cipher)
    conn = await connect(settings.database_path)
    try:
        chats = ChatRepository(conn, cipher)
        if args.action == "add":
            return await _add(args, settings, chats)
        if args.action == "list":
            return await _list(chats)
        return await _remove(args, chats)
    finally:
        await conn.close()


async def _add(args: argparse.Namespace, settings: CoreSettings, chats: ChatRepository) -> int:
    token = read_token()
    register_secret(token)
    if not token:
        print("Ошибка: пустой токен. Передайте API-токен Plusofon на стандартный ввод.", file=sys.stderr)
        return EXIT_USAGE
    if not args.no_check:
        problem = await _check(settings, Credentials(args.user_id, token))
        if problem:
            print(f"Ошибка: {problem}. Чат не подключён.", file=sys.stderr)
            return EXIT_REJECTED
    await chats.put(args.chat_id, args.user_id, token, notify_chat_id=args.notify_chat, by_admin=True)
    checked = "" if args.no_check else ", токен проверен"
    print(f"Чат {args.chat_id} подключён к user_id {args.user_id}{checked}.")
    return EXIT_OK


async def _check(settings: CoreSettings, creds: Credentials) -> str | None:
    """Why the API refuses these credentials, or None when it accepts them."""
    async with PlusofonClient(settings.plusofon_api_url, settings.plusofon_client_id) as client:
        try:
            await client.list_page(creds, 1)
        except AuthenticationError:
            return "Plusofon отклонил токен (401): он неверный или просрочен"
        except UserNotFoundError:
            return f"Plusofon не нашёл user_id {creds.user_id} для этого токена"
        except APIConnectionError:
            return "Plusofon не отвечает; повторите позже или добавьте --no-check"
        except PlusofonError as error:
            return f"Plusofon ответил ошибкой: {getattr(error, 'message', error)}"
    return None


async def _list(chats: ChatRepository) -> int:
    rows = await chats.all()
    if not rows:
        print("Подключённых чатов нет.")
        return EXIT_OK
    print(f"{'chat_id':>16}  {'user_id':>9}  {'токен':<8}  {'notify':>16}  добавлен")
    for auth in rows:
        notify = str(auth.notify_chat_id) if auth.notify_chat_id is not None else "-"
        print(f"{auth.chat_id:>16}  {auth.user_id:>9}  {auth.masked_token:<8}  {notify:>16}  {auth.added_at}")
    return EXIT_OK


async def _remove(args: argparse.Namespace, chats: ChatRepository) -> int:
    if await chats.remove(args.chat_id):
        print(f"Чат {args.chat_id} отключён.")
        return EXIT_OK
    print(f"Чат {args.chat_id} не был подключён.", file=sys.stderr)
    return EXIT_REJECTED


async def _backup(args: argparse.Namespace, settings: CoreSettings) -> int:
    try:
        chats = await backup(settings.database_path, args.path, force=args.force)
    except BackupError as error:
        print(f"Ошибка: {error}. Копия не записана.", file=sys.stderr)
        return EXIT_REJECTED
    print(f"Копия базы записана в {args.path}; подключённых чатов в ней: {chats}.")
    return EXIT_OK


async def _rotate_key(settings: CoreSettings, cipher: TokenCipher) -> int:
    conn = await connect(settings.database_path)
    try:
        result = await rotate_tokens(conn, cipher)
    finally:
        await conn.close()
    if result.undecryptable:
        chats = ", ".join(map(str, result.undecryptable))
        print(f"Ошибка: ни один ключ из SECRET_KEY не расшифровывает токены чатов: {chats}. "
              "Ничего не изменено.", file=sys.stderr)
        return EXIT_REJECTED
    print(f"Токены перешифрованы первым ключом SECRET_KEY: {result.rotated}.")
    return EXIT_OK


def _secret(settings: CoreSettings) -> str | None:
    return settings.secret_key.get_secret_value() if settings.secret_key else None


def main(args: argparse.Namespace, settings: CoreSettings) -> int:
    return asyncio.run(run(args, settings))


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
