"""The copy of a big account is still being read: show progress in place, then the answer."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

from bot.core.durations import local_time
from bot.services.mirror import Freshness
from bot.services.numbers import Loading
from handlers.texts import Texts

class Progress:
    """One message that says how far the account's first read is (bot.services.numbers.CopyProgress), edited in
    place, and finally replaced by the answer."""

    def __init__(self, bot: Bot, chat_id: int, t: Texts) -> None:
        self._bot, self._chat_id, self.texts = bot, chat_id, t
        self._message: Message | None = None
        self._shown: tuple[int, int] | None = None

    async def update(self, loaded: int, total: int) -> None:
        if (loaded, total) == self._shown:
            return
        self._shown = (loaded, total)
        text = self.texts.mirror_loading.format(loaded=_grouped(loaded), total=_grouped(total))
        if self._message is None:
            self._message = await self._bot.send_message(self._chat_id, text)
            return
        try:
            await self._message.edit_text(text)
        except TelegramBadRequest:  # "not modified", or the message is gone: the next update sends anew
            pass

    async def finish(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """The answer, in place of the progress message if there is one."""
        if self._message is not None:
            try:
                await self._message.edit_text(text, reply_markup=markup)
                return
            except TelegramBadRequest:
                pass
        await self._bot.send_message(self._chat_id, text, reply_markup=markup)


    async def close(self) -> None:
        """The answer went out as its own message: the progress message has done its job."""
        if self._message is not None:
            try:
                await self._message.delete()
            except TelegramBadRequest:
                pass


def still_loading(loading: Loading, t: Texts) -> str:
    """The answer had to wait too long for the account's first read: come back later."""
    return t.mirror_still_loading.format(loaded=_grouped(loading.loaded), total=_grouped(loading.total))


def as_of(fresh: Freshness, t: Texts) -> str:
    """A line saying how old the copy is, when it is older than a few minutes ("" otherwise)."""
    if fresh.as_of is None:
        return ""
    return "\n\n" + t.mirror_as_of.format(when=local_time(fresh.as_of, t.language))


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")  # 10 000, with a narrow no-break space
