"""SQLite storage (aiosqlite): schema migrations, chat authorisations, confirmations, dialogue state."""
