"""Session reminders: the service, /reminders /myagenda /remindall and the reminder buttons,
"remind me about session 3" in free text, the scheduler loop, and /forget of subscriptions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import Update
from telegram.ext import Application

from bot.answers.reply import Answer
from bot.delegates.service import DelegateView
from bot.feature import BackgroundTask, CallbackHandler, Context, Feature
from bot.reminders.service import ReminderService
from bot.runtime import Services


class Reminders(Feature):
    name = "reminders"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.service = ReminderService(services.database, services.events, services.clock.now, services.settings.reminder_lead_minutes)

    def register_handlers(self, app: Application) -> None:  # type: ignore[type-arg]
        from bot.reminders import handlers

        handlers.register(app)

    def callbacks(self) -> Mapping[str, CallbackHandler]:
        from bot.reminders.handlers import CALLBACK_HANDLERS

        return CALLBACK_HANDLERS

    async def act_on_answer(self, update: Update, context: Context, delegate: DelegateView, answer: Answer) -> bool:
        if not (answer.remind_session_ids or answer.remind_day_id):
            return False
        from bot.reminders.handlers import remind_from_text

        await remind_from_text(update, context, delegate, answer)
        return True

    def background(self) -> Sequence[BackgroundTask]:
        from bot.reminders.scheduled import reminder_loop

        return (reminder_loop(self.services, self.service),)

    async def forget(self, user_id: int) -> None:
        await self.service.forget(user_id)
