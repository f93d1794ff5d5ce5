"""Questions to speakers: /ask and /questions with their buttons, the "Ask a question" button on a
session's card while it takes questions, the chair's page on the bot's HTTP server, the card loop
that shows every moderator the decision, and /forget of drafts and waiting questions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from aiohttp import web
from sqlalchemy.sql.selectable import Exists
from telegram import BotCommand, Update
from telegram.ext import Application

from bot.answers.reply import Button
from bot.event.service import SessionView
from bot.feature import BackgroundTask, CallbackHandler, Context, Feature
from bot.i18n import Translator
from bot.questions.service import QuestionService, takes_questions
from bot.questions.web import page_secret, question_routes
from bot.runtime import Services


class Questions(Feature):
    name = "questions"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.service = QuestionService(
            services.database, services.events, services.clock.now, organiser_ids=services.settings.organiser_ids,
            default_language=services.delegates.default_language, on_queued=services.doorbell.ring,
        )
        self.page_secret = page_secret(services.settings)  # signs the chair's page links

    def register_handlers(self, app: Application) -> None:  # type: ignore[type-arg]
        from bot.questions import handlers

        handlers.register(app)

    def menu_commands(self, tr: Translator) -> Sequence[BotCommand]:
        return (BotCommand("ask", tr._("Ask a question")),)

    def callbacks(self) -> Mapping[str, CallbackHandler]:
        from bot.questions.handlers import on_ask_button, on_moderate_button
        from bot.questions.replies import ASK, MODERATE

        return {ASK: on_ask_button, MODERATE: on_moderate_button}

    def awaits_input(self, user_id: int, chat_id: int) -> Exists:
        return self.service.draft_open(user_id)

    async def take_input(self, update: Update, context: Context) -> bool:
        from bot.questions.handlers import on_delegate_input

        return await on_delegate_input(update, context)

    def session_buttons(self, tr: Translator, session: SessionView, now: datetime) -> Sequence[Button]:
        from bot.questions.replies import ask_button

        return (ask_button(tr, session),) if takes_questions(session, now) else ()

    def background(self) -> Sequence[BackgroundTask]:
        from bot.questions.scheduled import card_loop

        return (card_loop(self.services, self.service),)

    def http_routes(self) -> Sequence[web.RouteDef]:
        return question_routes(self.service, self.page_secret, self.services.delegates.languages)

    async def forget(self, user_id: int) -> None:
        await self.service.forget(user_id)
