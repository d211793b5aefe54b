"""The Mini App: the account's numbers as a page inside Telegram (static/) and the JSON API it calls (api.py).

A presentation layer beside handlers/: it parses a request, calls the same services as the commands, and renders
JSON. routes.py mounts it on an aiohttp application (the webhook server's, or server.py's own in long polling).
"""
