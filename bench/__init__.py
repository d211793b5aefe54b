"""Benchmark of the bot against two reference bots on fake Telegram and Plusofon servers: `python -m bench`."""
