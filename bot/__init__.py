"""Telegram bot for Plusofon smart numbers."""
