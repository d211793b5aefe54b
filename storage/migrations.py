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
    # 3: chat status and group policy; the audit trail; notifications through an outbox filled in the same
    # statement as their audit record (by a trigger), so neither exists without the other
    """
    ALTER TABLE chats ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE chats ADD COLUMN admins_only INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE audit (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        at              REAL    NOT NULL,
        chat_id         INTEGER NOT NULL,
        user_id         INTEGER,
        user_name       TEXT    NOT NULL DEFAULT '',
        action          TEXT    NOT NULL,
        details         TEXT    NOT NULL DEFAULT '',
        result          TEXT    NOT NULL,
        notify_chat_id  INTEGER,
        notify_text     TEXT
    );
    CREATE INDEX audit_by_chat ON audit (chat_id, id);
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        audit_id    INTEGER REFERENCES audit (id),
        chat_id     INTEGER NOT NULL,
        text        TEXT    NOT NULL,
        created_at  REAL    NOT NULL,
        sent_at     REAL,
        dropped     TEXT
    );
    CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND dropped IS NULL;
    CREATE TRIGGER audit_notifies AFTER INSERT ON audit WHEN NEW.notify_chat_id IS NOT NULL
    BEGIN
        INSERT INTO outbox (audit_id, chat_id, text, created_at)
        VALUES (NEW.id, NEW.notify_chat_id, NEW.notify_text, NEW.at);
    END;
    """,
    # 4: temporary numbers (/add --ttl): when each expires, whom to remind, and the state of its delete
    """
    CREATE TABLE expiries (
        account_id   INTEGER NOT NULL,
        number_id    INTEGER NOT NULL,
        chat_id      INTEGER NOT NULL,
        user_id      INTEGER,
        user_name    TEXT    NOT NULL DEFAULT '',
        phone_x      TEXT    NOT NULL,
        phone_b      TEXT    NOT NULL,
        description  TEXT    NOT NULL DEFAULT '',
        expires_at   REAL    NOT NULL,
        remind_at    REAL,
        due_at       REAL    NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        last_error   TEXT,
        deleting_at  REAL,
        PRIMARY KEY (account_id, number_id)
    );
    CREATE INDEX expiries_due ON expiries (due_at);
    """,
    # 5: the account mirror: a copy of each connected account's smart numbers, shared by its chats, and the
    # state of its background read (resumable: `sync_next` is the next page of the read in progress)
    """
    CREATE TABLE mirror_accounts (
        account_id    INTEGER PRIMARY KEY,
        total         INTEGER,
        ordered       INTEGER NOT NULL DEFAULT 1,
        synced_at     REAL,
        used_at       REAL,
        generation    INTEGER NOT NULL DEFAULT 0,
        sync_next     INTEGER,
        sync_total    INTEGER,
        sync_started  REAL,
        repair_at     REAL
    );
    CREATE TABLE mirror_numbers (
        account_id   INTEGER NOT NULL,
        id           INTEGER NOT NULL,
        phone_a      TEXT    NOT NULL DEFAULT '',
        phone_b      TEXT    NOT NULL DEFAULT '',
        phone_x      TEXT    NOT NULL DEFAULT '',
        description  TEXT    NOT NULL DEFAULT '',
        created_at   TEXT,
        digits_x     TEXT    NOT NULL DEFAULT '',
        digits_b     TEXT    NOT NULL DEFAULT '',
        customer     TEXT    NOT NULL DEFAULT '',
        folded       TEXT    NOT NULL DEFAULT '',
        page         INTEGER,
        seen         INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX mirror_by_customer ON mirror_numbers (account_id, customer);
    """,
    # 6: whether the bot's admins connected the chat (the CLI, an admin's /login, /link by such a chat's owner):
    # only those chats may tell NOTIFY_CHAT_ID. NULL for chats connected before it was recorded: settled at the
    # bot's start-up (ChatRepository.settle_connected_by), which knows ADMIN_IDS
    """
    ALTER TABLE chats ADD COLUMN connected_by_admin INTEGER;
    """,
    # 7: retention (bot/services/retention.py): old audit records and sent notifications are purged by age; outbox.audit_id
    # is indexed so that deleting an audit record does not scan the outbox for references
    """
    CREATE INDEX audit_at ON audit (at);
    CREATE INDEX outbox_created ON outbox (created_at);
    CREATE INDEX outbox_audit ON outbox (audit_id);
    """,
    # 8: sign-in: the refresh token (encrypted like the token), how the chat was connected, the account's e-mail,
    # when Plusofon last accepted the chat's token and why it fails now (NULL: it does not)
    """
    ALTER TABLE chats ADD COLUMN refresh_token_encrypted BLOB;
    ALTER TABLE chats ADD COLUMN connected_by TEXT NOT NULL DEFAULT 'token';
    ALTER TABLE chats ADD COLUMN email TEXT;
    ALTER TABLE chats ADD COLUMN accepted_at REAL;
    ALTER TABLE chats ADD COLUMN failure TEXT;
    """,
    # mirror upkeep (issue 19): when the account was last read whole (the safety net's clock), the page size its
    # list accepts for whole reads (NULL: not asked yet), the id at the last position when the read in progress
    # began (it must not have moved by the read's end, see bot/services/mirror/reader.py), and the id up to
    # which the copy has every number Plusofon has (the bisecting repair trusts counts only below it)
    """
    ALTER TABLE mirror_accounts ADD COLUMN full_at REAL;
    ALTER TABLE mirror_accounts ADD COLUMN page_size INTEGER;
    ALTER TABLE mirror_accounts ADD COLUMN sync_last_id INTEGER;
    ALTER TABLE mirror_accounts ADD COLUMN complete_to INTEGER;
    """,
    # the account each audit record was made on, so that a chat reconnected to another account shows in /history
    # none of the previous one's actions (issue 22, item 19). Older records are given the chat's account when
    # they were made during its present connection (since `added_at`); the rest stay NULL, shown to nobody
    """
    ALTER TABLE audit ADD COLUMN account_id INTEGER;
    UPDATE audit SET account_id = (SELECT c.plusofon_user_id FROM chats c WHERE c.chat_id = audit.chat_id
                                   AND audit.at >= CAST(strftime('%s', c.added_at) AS REAL));
    CREATE INDEX audit_chat_account ON audit (chat_id, account_id, id);
    """,
    # accounts no chat refers to any more, and since when (issue 22, item 5): their copy, expiries and dialogue
    # state are deleted after MIRROR_KEEP_DAYS (bot/services/forgetting.py). Kept by triggers, so that a chat
    # removed or reconnected by any path (the admin CLI's own process too) counts; a reconnect takes it back
    """
    CREATE TABLE released_accounts (
        account_id   INTEGER PRIMARY KEY,
        released_at  REAL    NOT NULL
    );
    CREATE INDEX chats_by_account ON chats (plusofon_user_id);
    CREATE TRIGGER chat_released_by_delete AFTER DELETE ON chats
    WHEN NOT EXISTS (SELECT 1 FROM chats WHERE plusofon_user_id = OLD.plusofon_user_id)
    BEGIN
        INSERT OR IGNORE INTO released_accounts (account_id, released_at)
        VALUES (OLD.plusofon_user_id, (julianday('now') - 2440587.5) * 86400.0);
    END;
    CREATE TRIGGER chat_released_by_update AFTER UPDATE OF plusofon_user_id ON chats
    WHEN NOT EXISTS (SELECT 1 FROM chats WHERE plusofon_user_id = OLD.plusofon_user_id)
    BEGIN
        INSERT OR IGNORE INTO released_accounts (account_id, released_at)
        VALUES (OLD.plusofon_user_id, (julianday('now') - 2440587.5) * 86400.0);
    END;
    CREATE TRIGGER chat_claims_by_insert AFTER INSERT ON chats
    BEGIN
        DELETE FROM released_accounts WHERE account_id = NEW.plusofon_user_id;
    END;
    CREATE TRIGGER chat_claims_by_update AFTER UPDATE OF plusofon_user_id ON chats
    BEGIN
        DELETE FROM released_accounts WHERE account_id = NEW.plusofon_user_id;
    END;
    INSERT INTO released_accounts (account_id, released_at)
    SELECT account_id, (julianday('now') - 2440587.5) * 86400.0
    FROM (SELECT account_id FROM mirror_accounts UNION SELECT account_id FROM expiries)
    WHERE account_id NOT IN (SELECT plusofon_user_id FROM chats);
    """,
    # sign-in attempts per e-mail address (storage/login_attempts.py): the limit holds across Telegram users and
    # restarts; the address only as a SHA-256, rows kept for the limit's window
    """
    CREATE TABLE login_attempts (
        email_hash TEXT NOT NULL,
        at         REAL NOT NULL
    );
    CREATE INDEX login_attempts_by_email ON login_attempts (email_hash, at);
    """,
    # adds under way (storage/pending_adds.py): written before the POST, deleted once the outcome is handled; a
    # row left by a stop is settled later (bot/services/pending_adds.py), so the expiry and the journal follow
    """
    CREATE TABLE pending_adds (
        id          INTEGER PRIMARY KEY,
        account     INTEGER NOT NULL,
        chat_id     INTEGER NOT NULL,
        chat_type   TEXT    NOT NULL,
        user_id     INTEGER,
        user_name   TEXT    NOT NULL DEFAULT '',
        phone_b     TEXT    NOT NULL,
        description TEXT    NOT NULL DEFAULT '',
        ttl         REAL,
        above_id    INTEGER NOT NULL DEFAULT 0,
        started_at  REAL    NOT NULL
    );
    CREATE INDEX pending_adds_by_account ON pending_adds (account);
    """,
    # bulk jobs (bot/services/bulk/): an /import or a bulk delete, asked, then run row by row; a row's status
    # says how far it got (pending, sent: the call may have reached Plusofon, created: Plusofon said yes but the
    # number is not identified yet, done, failed, skipped, invalid, stopped), so a restart carries on exactly
    """
    CREATE TABLE jobs (
        id           INTEGER PRIMARY KEY,
        kind         TEXT    NOT NULL,
        account_id   INTEGER NOT NULL,
        chat_id      INTEGER NOT NULL,
        user_id      INTEGER NOT NULL,
        user_name    TEXT    NOT NULL DEFAULT '',
        state        TEXT    NOT NULL DEFAULT 'asked',
        message_id   INTEGER,
        baseline_id  INTEGER,
        created_at   REAL    NOT NULL,
        finished_at  REAL
    );
    CREATE INDEX jobs_by_state ON jobs (state);
    CREATE TABLE job_rows (
        job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        row          INTEGER NOT NULL,
        phone_b      TEXT    NOT NULL DEFAULT '',
        description  TEXT    NOT NULL DEFAULT '',
        ttl          REAL,
        existing     INTEGER NOT NULL DEFAULT 0,
        number_id    INTEGER,
        phone_x      TEXT    NOT NULL DEFAULT '',
        status       TEXT    NOT NULL DEFAULT 'pending',
        attempts     INTEGER NOT NULL DEFAULT 0,
        error        TEXT,
        PRIMARY KEY (job_id, row)
    ) WITHOUT ROWID;
    """,
    # the daily digest (bot/services/digest.py): per team chat, the last day whose digest was done and the last
    # audit record it covered, so that a restart neither repeats nor skips one
    """
    CREATE TABLE digests (
        chat_id   INTEGER PRIMARY KEY,
        day       TEXT    NOT NULL,
        audit_id  INTEGER NOT NULL
    );
    """,
    # /expiring: an account's temporary numbers, the soonest first, without reading every account's rows
    """
    CREATE INDEX expiries_by_account ON expiries (account_id, expires_at);
    """,
    # the mirror's search index (issue 26): a trigram full-text index over each number's search columns (the
    # digits of both phones, the description casefolded), so a term of 3+ characters is found and counted without
    # scanning the account (storage/mirror.py: "the search index"). Contentless (the text stays in mirror_numbers
    # only) and kept by triggers; a row's key is account_id * 2**32 + id, so one account is one rowid range in id
    # order. Rows outside that range (never seen: Plusofon's ids are small) are left out and searched by a scan.
    """
    CREATE VIRTUAL TABLE mirror_search USING fts5 (digits_x, digits_b, folded, content = '', columnsize = 0,
        tokenize = 'trigram case_sensitive 1');
    CREATE TRIGGER mirror_search_added AFTER INSERT ON mirror_numbers
    WHEN NEW.account_id BETWEEN 0 AND 2147483647 AND NEW.id BETWEEN 0 AND 4294967295
    BEGIN
        INSERT INTO mirror_search (rowid, digits_x, digits_b, folded)
        VALUES (NEW.account_id * 4294967296 + NEW.id, NEW.digits_x, NEW.digits_b, NEW.folded);
    END;
    CREATE TRIGGER mirror_search_removed AFTER DELETE ON mirror_numbers
    WHEN OLD.account_id BETWEEN 0 AND 2147483647 AND OLD.id BETWEEN 0 AND 4294967295
    BEGIN
        INSERT INTO mirror_search (mirror_search, rowid, digits_x, digits_b, folded)
        VALUES ('delete', OLD.account_id * 4294967296 + OLD.id, OLD.digits_x, OLD.digits_b, OLD.folded);
    END;
    CREATE TRIGGER mirror_search_changed AFTER UPDATE OF account_id, id, digits_x, digits_b, folded ON mirror_numbers
    WHEN OLD.account_id IS NOT NEW.account_id OR OLD.id IS NOT NEW.id OR OLD.digits_x IS NOT NEW.digits_x
        OR OLD.digits_b IS NOT NEW.digits_b OR OLD.folded IS NOT NEW.folded
    BEGIN
        INSERT INTO mirror_search (mirror_search, rowid, digits_x, digits_b, folded)
        SELECT 'delete', OLD.account_id * 4294967296 + OLD.id, OLD.digits_x, OLD.digits_b, OLD.folded
        WHERE OLD.account_id BETWEEN 0 AND 2147483647 AND OLD.id BETWEEN 0 AND 4294967295;
        INSERT INTO mirror_search (rowid, digits_x, digits_b, folded)
        SELECT NEW.account_id * 4294967296 + NEW.id, NEW.digits_x, NEW.digits_b, NEW.folded
        WHERE NEW.account_id BETWEEN 0 AND 2147483647 AND NEW.id BETWEEN 0 AND 4294967295;
    END;
    INSERT INTO mirror_search (rowid, digits_x, digits_b, folded)
    SELECT account_id * 4294967296 + id, digits_x, digits_b, folded FROM mirror_numbers
    WHERE account_id BETWEEN 0 AND 2147483647 AND id BETWEEN 0 AND 4294967295;
    """,
    # the short-term index (issue 26): a term of 1-2 characters has no trigram, so mirror_search cannot find it and
    # it was counted by reading every row of the account. mirror_grams holds every character and pair of characters
    # of each number's digits and description as a word (storage/mirror_grams.py), with no positions (detail =
    # none): a term is one word, its rows one list. Same keys and same rows as mirror_search; its triggers call
    # gram_words, which storage.database.connect registers on every connection.
    """
    CREATE VIRTUAL TABLE mirror_grams USING fts5 (grams, content = '', columnsize = 0, detail = none);
    CREATE TRIGGER mirror_grams_added AFTER INSERT ON mirror_numbers
    WHEN NEW.account_id BETWEEN 0 AND 2147483647 AND NEW.id BETWEEN 0 AND 4294967295
    BEGIN
        INSERT INTO mirror_grams (rowid, grams)
        VALUES (NEW.account_id * 4294967296 + NEW.id, gram_words(NEW.digits_x, NEW.digits_b, NEW.folded));
    END;
    CREATE TRIGGER mirror_grams_removed AFTER DELETE ON mirror_numbers
    WHEN OLD.account_id BETWEEN 0 AND 2147483647 AND OLD.id BETWEEN 0 AND 4294967295
    BEGIN
        INSERT INTO mirror_grams (mirror_grams, rowid, grams)
        VALUES ('delete', OLD.account_id * 4294967296 + OLD.id, gram_words(OLD.digits_x, OLD.digits_b, OLD.folded));
    END;
    CREATE TRIGGER mirror_grams_changed AFTER UPDATE OF account_id, id, digits_x, digits_b, folded ON mirror_numbers
    WHEN OLD.account_id IS NOT NEW.account_id OR OLD.id IS NOT NEW.id OR OLD.digits_x IS NOT NEW.digits_x
        OR OLD.digits_b IS NOT NEW.digits_b OR OLD.folded IS NOT NEW.folded
    BEGIN
        INSERT INTO mirror_grams (mirror_grams, rowid, grams)
        SELECT 'delete', OLD.account_id * 4294967296 + OLD.id, gram_words(OLD.digits_x, OLD.digits_b, OLD.folded)
        WHERE OLD.account_id BETWEEN 0 AND 2147483647 AND OLD.id BETWEEN 0 AND 4294967295;
        INSERT INTO mirror_grams (rowid, grams)
        SELECT NEW.account_id * 4294967296 + NEW.id, gram_words(NEW.digits_x, NEW.digits_b, NEW.folded)
        WHERE NEW.account_id BETWEEN 0 AND 2147483647 AND NEW.id BETWEEN 0 AND 4294967295;
    END;
    INSERT INTO mirror_grams (rowid, grams)
    SELECT account_id * 4294967296 + id, gram_words(digits_x, digits_b, folded) FROM mirror_numbers
    WHERE account_id BETWEEN 0 AND 2147483647 AND id BETWEEN 0 AND 4294967295;
    """,
    # the Mini App's POSTs by Idempotency-Key (storage/answers.py): a retry after a restart gets the first answer
    """
    CREATE TABLE kept_answers (
        user_id     INTEGER NOT NULL,
        path        TEXT    NOT NULL,
        key         TEXT    NOT NULL,
        account_id  INTEGER NOT NULL,
        status      INTEGER,
        body        BLOB,
        created_at  REAL    NOT NULL,
        PRIMARY KEY (user_id, path, key)
    ) WITHOUT ROWID;
    CREATE INDEX kept_answers_by_age ON kept_answers (created_at);
    CREATE INDEX kept_answers_by_account ON kept_answers (account_id);
    """,
]
