"""The admin command line: `python -m bot chats add|list|remove`, `backup PATH`, `rotate-key`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.core.durations import local_time
from bot.core.logs import register_secret, secret_while
from bot.services.owner import NoAuthuser, whose
from bot.plusofon import (
    AccountOwner,
    APIConnectionError,
    AuthenticationError,
    Credentials,
    PlusofonClient,
    PlusofonError,
    UserNotFoundError,
    WrongCredentials,
)
from bot.core.settings import CoreSettings
from storage.backup import BackupError, backup
from storage.chats import SIGN_IN, ChatRepository
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

    add = actions.add_parser("add", help="connect a chat; the API token (or, with --email, the password) is read "
                             "from stdin")
    add.add_argument("chat_id", type=int, metavar="CHAT_ID", help="Telegram chat id (negative for groups)")
    add.add_argument("--user-id", type=int, help="Plusofon user_id of the account (default: asked from Plusofon)")
    add.add_argument("--email", help="sign in with this e-mail and the password (asked without echo); the "
                     "sign-in then renews itself")
    add.add_argument("--notify-chat", type=int, help="chat that hears about this chat's changes")
    add.add_argument("--no-check", action="store_true", help="store without checking the token against the API")

    actions.add_parser("list", help="show the connected chats: account, how connected, when Plusofon last "
                       "accepted them, whether they fail (tokens masked)")

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


def read_password(email: str) -> str:
    """The password without echo on a terminal; the first line of stdin otherwise (scripts, tests)."""
    if sys.stdin.isatty():
        return getpass.getpass(f"Пароль Plusofon для {email}: ")
    return sys.stdin.readline().rstrip("\r\n")


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
    if args.email:
        return await _sign_in(args, settings, chats)
    token = read_token()
    register_secret(token)
    if not token:
        print("Ошибка: пустой токен. Передайте API-токен Plusofon на стандартный ввод.", file=sys.stderr)
        return EXIT_USAGE
    owner: AccountOwner | None = None
    if args.user_id is None:
        owner, problem = await _owner(settings, token)
        if owner is None:
            print(f"Ошибка: {problem}. Чат не подключён.", file=sys.stderr)
            return EXIT_REJECTED
    elif not args.no_check:
        problem = await _check(settings, Credentials(args.user_id, token))
        if problem:
            print(f"Ошибка: {problem}. Чат не подключён.", file=sys.stderr)
            return EXIT_REJECTED
    user_id = owner.id if owner is not None else args.user_id
    await chats.put(args.chat_id, user_id, token, notify_chat_id=args.notify_chat,
                    email=owner.email if owner is not None else None, checked=not args.no_check, by_admin=True)
    checked = "" if args.no_check else ", токен проверен"
    print(f"Чат {args.chat_id} подключён к user_id {user_id}{_whose(owner)}{checked}.")
    return EXIT_OK


async def _sign_in(args: argparse.Namespace, settings: CoreSettings, chats: ChatRepository) -> int:
    password = read_password(args.email)
    if not password:
        print("Ошибка: пустой пароль. Чат не подключён.", file=sys.stderr)
        return EXIT_USAGE
    async with PlusofonClient(settings.plusofon_api_url, settings.plusofon_client_id) as client:
        try:
            with secret_while(password):
                tokens = await client.login(args.email, password)
            del password
            owner = await client.authuser(tokens.token)
        except WrongCredentials:
            print("Ошибка: Plusofon не принял e-mail или пароль. Чат не подключён.", file=sys.stderr)
            return EXIT_REJECTED
        except PlusofonError as error:
            print(f"Ошибка: {_problem(error)}. Чат не подключён.", file=sys.stderr)
            return EXIT_REJECTED
    if args.user_id is not None and args.user_id != owner.id:
        print(f"Ошибка: этот вход открывает user_id {owner.id}, а не {args.user_id}. Чат не подключён.",
              file=sys.stderr)
        return EXIT_REJECTED
    await chats.put(args.chat_id, owner.id, tokens.token, notify_chat_id=args.notify_chat,
                    refresh_token=tokens.refresh_token, email=owner.email or args.email, by_admin=True)
    print(f"Чат {args.chat_id} подключён к user_id {owner.id}{_whose(owner)} входом по e-mail; "
          "вход продлевается сам.")
    return EXIT_OK


async def _owner(settings: CoreSettings, token: str) -> tuple[AccountOwner | None, str]:
    async with PlusofonClient(settings.plusofon_api_url, settings.plusofon_client_id) as client:
        try:
            owner = await whose(client, token, None)
        except NoAuthuser:
            return None, "Plusofon не сообщил, чей это токен; укажите --user-id"
        except PlusofonError as error:
            return None, _problem(error)
    assert owner is not None
    return owner, ""


def _problem(error: PlusofonError) -> str:
    if isinstance(error, AuthenticationError):
        return "Plusofon отклонил токен (401): он неверный или просрочен"
    if isinstance(error, APIConnectionError):
        return "Plusofon не отвечает; повторите позже"
    return f"Plusofon ответил ошибкой: {getattr(error, 'message', error)}"


def _whose(owner: AccountOwner | None) -> str:
    if owner is None:
        return ""
    known = [part for part in (owner.name, owner.email) if part]
    return f" ({', '.join(known)})" if known else ""


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
    print(f"{'chat_id':>16}  {'user_id':>9}  {'e-mail':<24}  {'как':<5}  {'токен':<8}  {'notify':>16}  "
          f"{'принят (МСК)':<16}  {'состояние':<28}  добавлен")
    for auth in rows:
        notify = str(auth.notify_chat_id) if auth.notify_chat_id is not None else "-"
        how = "вход" if auth.connected_by == SIGN_IN else "токен"
        accepted = local_time(auth.accepted_at) if auth.accepted_at else "-"
        state = (f"НЕ РАБОТАЕТ: {auth.failure}" if auth.failure
                 else "работает" if auth.accepted_at else "не проверялся")
        print(f"{auth.chat_id:>16}  {auth.user_id:>9}  {auth.email or '-':<24}  {how:<5}  {auth.masked_token:<8}  "
              f"{notify:>16}  {accepted:<16}  {state:<28}  {auth.added_at}")
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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "chats" and args.action == "add" and args.no_check and (
            args.user_id is None or args.email):
        parser.error("--no-check needs --user-id and no --email: without them the bot must ask Plusofon")
    return args
