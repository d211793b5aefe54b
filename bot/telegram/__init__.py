"""Infrastructure: the Telegram session (retries of the Bot API)."""
