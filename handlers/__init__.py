"""The presentation layer: aiogram routers, one per feature, each made by a function (a router can join only one
dispatcher), with the handlers defined at module level. The features that act on a chat's account hang under
one parent router that carries their guards (handlers/filters.py) once."""

from __future__ import annotations

from aiogram import Router

from handlers.account import create_account_router
from handlers.adding import create_add_router
from handlers.card_links import create_card_link_router
from handlers.cards import create_card_router
from handlers.chats_overview import create_chats_router
from handlers.deleting import create_delete_router
from handlers.errors import create_errors_router
from handlers.expiring import create_expiry_router
from handlers.expiring_list import create_expiring_router
from handlers.exporting import create_export_router
from handlers.fallback import create_fallback_router
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.finding import create_find_router
from handlers.history import create_history_router
from handlers.importing import create_import_router
from handlers.inline import create_inline_router
from handlers.jobs import create_jobs_router
from handlers.listing import create_list_router
from handlers.membership import create_membership_router
from handlers.mini_app import create_app_router
from handlers.signin import create_signin_router
from handlers.start import create_start_router


def create_routers() -> list[Router]:
    """In order: sign-in before the others; the fallback router must come last."""
    return [
        create_errors_router(),
        create_membership_router(),
        create_signin_router(),  # in the sign-in dialogue, any text is an answer to it
        create_start_router(),
        create_account_router(),
        create_chats_router(),
        create_inline_router(),  # inline queries: the user's own account, whatever chat they type in
        create_app_router(),
        create_authorised_router(),
        create_fallback_router(),
    ]


def create_authorised_router() -> Router:
    """The features of a connected chat. An update from a chat that is not connected passes them by (to the
    fallback router, which says so); in a group set to /access admins, only its administrators get in."""
    router = Router(name="authorised")
    for observer in (router.message, router.callback_query):
        observer.filter(AuthorisedChat())
        observer.middleware(GroupPolicy())
    router.include_routers(
        create_history_router(),
        create_card_router(),
        create_card_link_router(),
        create_find_router(),  # before list: it takes `/list <text>`
        create_list_router(),
        create_export_router(),
        create_add_router(),
        create_import_router(),
        create_jobs_router(),  # before delete: it takes `/del` with several ids
        create_delete_router(),
        create_expiry_router(),
        create_expiring_router(),
    )
    return router
