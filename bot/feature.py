"""What a feature brings to the bot: one declared interface, every extension point in one place.

A feature lives in its own folder (bot/<feature>/) and says what it brings by subclassing `Feature`
in its `feature.py`; `bot/features.py` lists the features, one line each. Everything a feature may
add is a method here with a harmless default, so a reader sees every extension point on this page
and the type checker sees every override:

- its services: built in `__init__` from the core services, kept as typed attributes; handlers
  reach them with `services.features.get(TheFeature).attribute`;
- Telegram: `register_handlers` (commands, buttons' own handlers), `menu_commands`, `callbacks`
  (button kinds -> handler), `take_input` (a message that belongs to a flow in progress: a draft,
  an awaited comment, a typed code; asked in registry order before the question answering) with
  `awaits_input` (the condition, in SQL, under which it may take one: every feature's is asked in
  one SELECT per message, and take_input runs only where it holds),
  `start_payload` (/start <payload> deep links), `act_on_answer` (an answer that asks for an action,
  e.g. "remind me about session 3"), `decorate_answer` (a button under answers);
- the answers: `answer_first` (a question the feature answers before the built-in answers, e.g. the
  schedule's search of an imported programme), `session_buttons` on a session's card,
  `session_opened` when one is shown, `agenda_buttons` under the programme (e.g. the Mini App's
  "Open the programme");
- the helpdesk: `record_unanswered` (the question the assistant could not answer, in the
  conversation's transaction) and `unanswered_recorded` (after it committed);
- running: `background` loops, `http_routes` on the bot's HTTP server, `console_pages`,
  `health_details` for /healthz and `metrics_lines` for /metrics;
- people: `forget` (/forget: erase or anonymise what the feature keeps about someone).

Registry order is precedence where it matters: `take_input` is asked in that order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from telegram import BotCommand, Update
from telegram.ext import Application, ContextTypes

if TYPE_CHECKING:
    from aiohttp import web
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.selectable import Exists

    from bot.answers.reply import Answer, Button
    from bot.answers.service import Question
    from bot.conversation.handoff import Unanswered
    from bot.delegates.service import DelegateView
    from bot.event.service import EventSnapshot, SessionView
    from bot.helpdesk.web.app import ConsolePage
    from bot.i18n import Translator
    from bot.runtime import Services

Context = ContextTypes.DEFAULT_TYPE
CallbackHandler = Callable[[Update, Context, str], Awaitable[None]]
BackgroundTask = Callable[[Application], Awaitable[None]]  # type: ignore[type-arg]
F = TypeVar("F", bound="Feature")


class Feature:
    """The base of every feature: override what the feature brings; the rest stays empty."""

    name: ClassVar[str]

    def __init__(self, services: Services) -> None:
        self.services = services

    # --- Telegram -------------------------------------------------------------------------------
    def register_handlers(self, app: Application) -> None:  # type: ignore[type-arg]
        """Adds the feature's PTB handlers (commands, message filters) in the default group."""

    def menu_commands(self, tr: Translator) -> Sequence[BotCommand]:
        """Entries of the command menu, in `tr`'s language."""
        return ()

    def callbacks(self) -> Mapping[str, CallbackHandler]:
        """Button kinds (the part of the callback data before ':') and their handlers."""
        return {}

    async def take_input(self, update: Update, context: Context) -> bool:
        """True when the message belongs to a flow of this feature in progress and was handled here
        (nothing else sees it then)."""
        return False

    def awaits_input(self, user_id: int, chat_id: int) -> Exists | None:
        """An SQL condition (e.g. an EXISTS) that holds whenever `take_input` may take a message from
        this user in this chat; False where it cannot matters, true where it need not is harmless.
        Asked only for messages (update.message), of every feature in one SELECT: take_input then
        runs only for the features whose condition holds, and for those with None (the default:
        take_input decides without the database, or has not said)."""
        return None

    async def start_payload(self, update: Update, context: Context, payload: str) -> bool:
        """/start <payload> (a t.me deep link): True when the payload was the feature's."""
        return False

    async def act_on_answer(self, update: Update, context: Context, delegate: DelegateView, answer: Answer) -> bool:
        """True when the feature carried out what the answer asks for (it replied itself)."""
        return False

    async def decorate_answer(self, delegate: DelegateView, answer: Answer) -> Answer:
        """The answer as the delegate should get it (e.g. with a button added)."""
        return answer

    # --- the answers ------------------------------------------------------------------------------
    async def answer_first(self, tr: Translator, snap: EventSnapshot, question: Question, now: datetime) -> Answer | None:
        """An answer to the question before the built-in answers try (None: not the feature's)."""
        return None

    def session_buttons(self, tr: Translator, session: SessionView, now: datetime) -> Sequence[Button]:
        """Buttons for a session's card that depend on the moment."""
        return ()

    async def session_opened(self, user_id: int, session_id: str) -> None:
        """A session's details were shown to a delegate."""

    def agenda_buttons(self, tr: Translator) -> Sequence[Button]:
        """Buttons under the programme (/agenda, a day of it, "what's the programme?")."""
        return ()

    # --- the helpdesk -----------------------------------------------------------------------------
    async def record_unanswered(self, db: AsyncSession, question: Unanswered) -> int | None:
        """Records a question the assistant handed off, in the caller's transaction; its ticket id."""
        return None

    async def unanswered_recorded(self, ticket_id: int) -> None:
        """After the transaction that recorded a handed-off question committed."""

    # --- running ----------------------------------------------------------------------------------
    def background(self) -> Sequence[BackgroundTask]:
        """Loops that run while the bot runs (restarted if they crash)."""
        return ()

    def http_routes(self) -> Sequence[web.AbstractRouteDef]:
        """Pages on the bot's own HTTP server (LISTEN:PORT)."""
        return ()

    def console_pages(self) -> Sequence[ConsolePage]:
        """Pages of the helpdesk and organisers' console."""
        return ()

    async def health_details(self) -> Mapping[str, Any]:
        """Entries added to /healthz's answer while the database is up (e.g. the schedule sync's)."""
        return {}

    async def metrics_lines(self) -> Sequence[str]:
        """Lines in Prometheus' text format added to /metrics."""
        return ()

    # --- people -----------------------------------------------------------------------------------
    async def forget(self, user_id: int) -> None:
        """Erases or anonymises what the feature keeps about a person (/forget)."""


class Features:
    """The features of one running bot, in registry order, and their extension points together."""

    def __init__(self, features: Sequence[Feature] = ()) -> None:
        self.all: tuple[Feature, ...] = tuple(features)
        self._by_type: dict[type[Feature], Feature] = {type(f): f for f in self.all}
        self.callbacks: dict[str, CallbackHandler] = {}
        for feature in self.all:
            for kind, handler in feature.callbacks().items():
                if kind in self.callbacks:
                    raise ValueError(f"button kind {kind!r} of {feature.name} is taken by another feature")
                self.callbacks[kind] = handler

    def get(self, kind: type[F]) -> F:
        """The installed feature of that class (KeyError names it when it is not installed)."""
        try:
            return self._by_type[kind]  # type: ignore[return-value]
        except KeyError:
            raise KeyError(f"feature {kind.__name__} is not installed") from None

    def find(self, kind: type[F]) -> F | None:
        return self._by_type.get(kind)  # type: ignore[return-value]

    def menu_commands(self, tr: Translator) -> list[BotCommand]:
        return [command for f in self.all for command in f.menu_commands(tr)]

    async def take_input(self, update: Update, context: Context) -> bool:
        """The first feature (registry order) whose flow takes the message. What used to be a query
        per feature for every message is one SELECT of their `awaits_input` conditions."""
        asked = await self._awaiting(update)
        for feature, awaits in zip(self.all, asked, strict=True):
            if awaits and await feature.take_input(update, context):
                return True
        return False

    async def _awaiting(self, update: Update) -> list[bool]:
        """Per feature: may its take_input take this update? (One SELECT for all of them.)"""
        user, chat = update.effective_user, update.effective_chat
        conditions = [f.awaits_input(user.id, chat.id) if user and chat else None for f in self.all]
        asked = [c is not None for c in conditions]
        if not any(asked):
            return [True] * len(self.all)
        if update.message is None:  # a feature with a condition takes messages only
            return [not a for a in asked]
        from sqlalchemy import select

        columns = [c.label(f"f{i}") for i, c in enumerate(conditions) if c is not None]
        async with self.all[0].services.database.session() as db:
            row = iter((await db.execute(select(*columns))).one())
        return [bool(next(row)) if a else True for a in asked]

    async def start_payload(self, update: Update, context: Context, payload: str) -> bool:
        for feature in self.all:
            if await feature.start_payload(update, context, payload):
                return True
        return False

    async def act_on_answer(self, update: Update, context: Context, delegate: DelegateView, answer: Answer) -> bool:
        for feature in self.all:
            if await feature.act_on_answer(update, context, delegate, answer):
                return True
        return False

    async def decorate_answer(self, delegate: DelegateView, answer: Answer) -> Answer:
        for feature in self.all:
            answer = await feature.decorate_answer(delegate, answer)
        return answer

    async def answer_first(self, tr: Translator, snap: EventSnapshot, question: Question, now: datetime) -> Answer | None:
        for feature in self.all:
            if (answer := await feature.answer_first(tr, snap, question, now)) is not None:
                return answer
        return None

    def session_buttons(self, tr: Translator, session: SessionView, now: datetime) -> list[Button]:
        return [button for f in self.all for button in f.session_buttons(tr, session, now)]

    async def session_opened(self, user_id: int, session_id: str) -> None:
        for feature in self.all:
            await feature.session_opened(user_id, session_id)

    def agenda_buttons(self, tr: Translator) -> list[Button]:
        return [button for f in self.all for button in f.agenda_buttons(tr)]

    async def record_unanswered(self, db: AsyncSession, question: Unanswered) -> int | None:
        """The first feature that keeps handed-off questions (the helpdesk) records it."""
        for feature in self.all:
            ticket_id = await feature.record_unanswered(db, question)
            if ticket_id is not None:
                return ticket_id
        return None

    async def unanswered_recorded(self, ticket_id: int) -> None:
        for feature in self.all:
            await feature.unanswered_recorded(ticket_id)

    def background(self) -> list[BackgroundTask]:
        return [task for f in self.all for task in f.background()]

    def http_routes(self) -> list[Any]:
        return [route for f in self.all for route in f.http_routes()]

    def console_pages(self) -> list[ConsolePage]:
        return [page for f in self.all for page in f.console_pages()]

    async def health_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        for feature in self.all:
            details.update(await feature.health_details())
        return details

    async def metrics_lines(self) -> list[str]:
        return [line for f in self.all for line in await f.metrics_lines()]

    async def forget(self, user_id: int) -> None:
        for feature in self.all:
            await feature.forget(user_id)
