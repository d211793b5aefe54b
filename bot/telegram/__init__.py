"""Infrastructure: the Telegram session's middlewares (retries of the Bot API, long polling's heartbeat)."""
