"""What aiogram's Command filter would take for a command: the first word, whatever whitespace (a newline, a
no-break or an ideographic space) comes before it, when it starts with "/"."""

from __future__ import annotations


def command_words(text: str) -> tuple[str, str] | None:
    """The command's name (lower case) and the bot it names ("" for none), or None when `text` is no command."""
    words = text.split(maxsplit=1)
    if not words or not words[0].startswith("/"):
        return None
    name, _, mention = words[0][1:].partition("@")
    return name.lower(), mention
