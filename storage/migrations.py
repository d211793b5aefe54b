"""Numbered schema migrations, applied in order and recorded in `PRAGMA user_version`."""

MIGRATIONS: list[str] = [
    # 1: chat authorisations
    """
    CREATE TABLE chats (
        chat_id          INTEGER PRIMARY KEY,
        plusofon_user_id INTEGER NOT NULL,
        token_encrypted  BLOB    NOT NULL,
        notify_chat_id   INTEGER,
        added_by         INTEGER,
        added_at         TEXT    NOT NULL
    );
    """,
    # 2: one-shot confirmations behind buttons, and the /add dialogue's state
    """
    CREATE TABLE confirmations (
        id          TEXT    PRIMARY KEY,
        chat_id     INTEGER NOT NULL,
        user_id     INTEGER NOT NULL,
        action      TEXT    NOT NULL,
        payload     TEXT    NOT NULL,
        expires_at  REAL    NOT NULL,
        used_at     REAL
    );
    CREATE INDEX confirmations_expiry ON confirmations (expires_at);
    CREATE TABLE fsm (
        key         TEXT    PRIMARY KEY,
        state       TEXT,
        data        TEXT    NOT NULL DEFAULT '{}',
        updated_at  REAL    NOT NULL
    );
    CREATE INDEX fsm_updated ON fsm (updated_at);
    """,
]
