"""The bot's long-lived services, as one typed object: the wiring (bot/dispatcher.py) builds it once, and every
handler that needs a service takes `services: Services`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.metrics import Metrics
from bot.core.settings import Settings
from bot.plusofon import PlusofonClient
from bot.services.accounts import AccountTokens
from bot.services.admins import GroupAdmins
from bot.services.bulk import Bulk
from bot.services.chat_access import ChatAccess
from bot.services.confirmations import Confirmations
from bot.services.digest import DailyDigest
from bot.services.expirer import Expirer
from bot.services.forgetting import Forgetting
from bot.services.inline import InlineNumbers
from bot.services.journal import Journal
from bot.services.login_attempts import LoginAttempts
from bot.services.logins import Logins
from bot.services.membership import Membership
from bot.services.mirror import Mirror
from bot.services.notifier import Notifier
from bot.services.numbers import Numbers
from bot.services.pending_adds import PendingAdds
from bot.services.retention import Retention
from bot.services.search import SearchCache
from storage.answers import KeptAnswers
from storage.audit import AuditLog
from storage.chats import ChatRepository
from storage.expiries import ExpiryStore
from storage.fsm import SQLiteStorage
from storage.outbox import Outbox


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    settings: Settings
    # what the handlers call
    numbers: Numbers              # list, find, card, export, add, delete, extend (bound per chat: `numbers.of`)
    logins: Logins                # /login: with a token, or with the e-mail and password
    chat_access: ChatAccess       # /logout, /link, /unlink, /access, /chats
    membership: Membership        # a group become a supergroup; the bot removed from a chat or back
    journal: Journal              # the audit trail and the team chat's notifications
    group_admins: GroupAdmins     # who administers a group (cached)
    bulk: Bulk                    # /import and the delete of many: checked, then run as resumable jobs
    inline: InlineNumbers         # inline mode: a user's own numbers, from the copy
    # background work, started and stopped with the dispatcher
    mirror: Mirror                # each account's copy
    notifier: Notifier            # delivers the outbox
    expirer: Expirer              # temporary numbers
    retention: Retention          # purges old notifications and audit records, and forgets released accounts
    forgetting: Forgetting        # deletes what is kept for an account no chat refers to any more
    pending_adds: PendingAdds     # settles the adds a stop interrupted
    digest: DailyDigest           # the team chat's daily digest (DIGEST_TIME)
    accounts: AccountTokens       # token health and renewal, for every Plusofon call
    # what they share
    confirmations: Confirmations
    searches: SearchCache
    login_attempts: LoginAttempts
    chats: ChatRepository         # which chat uses which account
    expiries: ExpiryStore
    dialogues: SQLiteStorage      # the dialogues' state (the dispatcher's FSM storage)
    audit: AuditLog
    outbox: Outbox
    answers: KeptAnswers          # the Mini App's POSTs by Idempotency-Key
    plusofon: PlusofonClient
    metrics: Metrics
