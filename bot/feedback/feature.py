"""Session feedback: the rating prompt a few minutes after a session ends (to its subscribers and to
those who opened its card), the buttons and the optional comment, the results page of the console,
and /forget of votes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.sql.selectable import Exists
from telegram import Update

from bot.feature import BackgroundTask, CallbackHandler, Context, Feature
from bot.feedback.service import FeedbackService
from bot.runtime import Services

if TYPE_CHECKING:
    from bot.helpdesk.web.app import ConsolePage


class Feedback(Feature):
    name = "feedback"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.service = FeedbackService(services.database, services.events, services.clock.now, services.settings.feedback_delay_minutes)

    def callbacks(self) -> Mapping[str, CallbackHandler]:
        from bot.feedback.handlers import CALLBACK_HANDLERS

        return CALLBACK_HANDLERS

    def awaits_input(self, user_id: int, chat_id: int) -> Exists:
        return self.service.comment_awaited(user_id)

    async def take_input(self, update: Update, context: Context) -> bool:
        from bot.feedback.handlers import on_comment_input

        return await on_comment_input(update, context)

    async def session_opened(self, user_id: int, session_id: str) -> None:
        await self.service.record_opened(user_id, session_id)

    def background(self) -> Sequence[BackgroundTask]:
        from bot.feedback.scheduled import feedback_loop

        return (feedback_loop(self.services, self.service),)

    def console_pages(self) -> Sequence[ConsolePage]:
        from bot.feedback.web import feedback_page

        return (feedback_page(self.service, self.services.events),)

    async def forget(self, user_id: int) -> None:
        await self.service.forget(user_id)
