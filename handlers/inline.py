"""Inline mode: `@bot <query>` in any chat lists the user's numbers (bot/services/inline.py); the one picked is
sent into that chat as a short card whose phoneX Telegram makes a tappable number. A user with no connected
account gets a button that opens the bot to connect one."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Router
from aiogram.types import (
    ChosenInlineResult,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
)

from bot.core.models import SmartNumber
from bot.core.phones import display, display_text
from bot.services.container import Services
from handlers.texts import Texts, texts_for
from handlers.views import TELEGRAM_TEXT_LIMIT, shorten

log = logging.getLogger(__name__)
CACHE_SECONDS = 10           # Telegram may reuse an answer this long: a number added is listed soon after
CONNECT_PARAMETER = "connect"  # /start connect: where the "connect your account" button leads
RESULT_DESCRIPTION_CUT = 100
SHARED_DESCRIPTION_CUT = 1000


async def inline_query(query: InlineQuery, services: Services) -> None:
    t = texts_for(query.from_user.language_code)
    found = await services.inline.find(query.from_user.id, query.query, query.offset)
    if found is None:
        await query.answer([], is_personal=True, cache_time=CACHE_SECONDS,
                           button=InlineQueryResultsButton(text=t.inline_connect, start_parameter=CONNECT_PARAMETER))
        return
    await query.answer([result(number, t) for number in found.numbers], is_personal=True,
                       cache_time=CACHE_SECONDS, next_offset=found.next_offset)


async def chosen_result(chosen: ChosenInlineResult) -> None:
    """A number was shared (Telegram reports it when inline feedback is on in BotFather; the updates metric
    counts these by kind)."""
    log.info("user %s shared number %s inline", chosen.from_user.id, chosen.result_id)


def result(number: SmartNumber, t: Texts) -> InlineQueryResultArticle:
    description = number.description.strip()
    below = t.inline_customer.format(phone=display_text(number.phone_b))
    if description:
        below += " · " + shorten(description, RESULT_DESCRIPTION_CUT)
    return InlineQueryResultArticle(
        id=str(number.id), title=display_text(number.phone_x), description=below,
        input_message_content=InputTextMessageContent(message_text=shared_card(number, t),
                                                      link_preview_options=LinkPreviewOptions(is_disabled=True)))


def shared_card(number: SmartNumber, t: Texts) -> str:
    """What the chat sees: phoneX as `+7 977 000-54-19` (a form Telegram makes tappable), the customer's phone,
    the description; no id or dates, which mean nothing outside the bot."""
    lines = [t.card_phone_x.format(phone=display(number.phone_x)),
             t.card_phone_b.format(phone=display(number.phone_b))]
    description = number.description.strip()
    if description:
        lines.append(escape(shorten(description, SHARED_DESCRIPTION_CUT)))
    return "\n".join(lines)[:TELEGRAM_TEXT_LIMIT]


def create_inline_router() -> Router:
    router = Router(name="inline")
    router.inline_query.register(inline_query)
    router.chosen_inline_result.register(chosen_result)
    return router
