"""Installs questions to speakers: the service, /ask and /questions with their buttons, the "Ask a
question" button on a session's card while it takes questions, the chair's page on the bot's
HTTP server, and the card loop that shows every moderator the decision on their card."""

from __future__ import annotations

from datetime import datetime

from bot.answers.reply import Button
from bot.event.service import SessionView
from bot.i18n import Translator
from bot.runtime import Services


def _card_button(tr: Translator, session: SessionView, now: datetime) -> Button | None:
    from bot.questions.replies import ask_button
    from bot.questions.service import takes_questions

    return ask_button(tr, session) if takes_questions(session, now) else None


def install(services: Services) -> None:
    from bot.answers.format import SESSION_BUTTON_HOOKS
    from bot.outbox.feature import doorbell
    from bot.questions.handlers import on_ask_button, on_moderate_button
    from bot.questions.replies import ASK, MODERATE
    from bot.questions.scheduled import card_loop
    from bot.questions.service import QuestionService
    from bot.questions.web import page_secret, question_routes
    from bot.telegram.handlers.common import CALLBACKS

    questions = QuestionService(
        services.database, services.events, services.clock.now, organiser_ids=services.settings.organiser_ids,
        default_language=services.delegates.default_language, on_queued=doorbell(services).ring,
    )
    secret = page_secret(services.settings)
    services.extras["questions"] = questions
    services.extras["questions_secret"] = secret
    services.extras.setdefault("handler_modules", []).append("bot.questions.handlers")
    services.extras.setdefault("background", []).append(card_loop(services))
    services.extras.setdefault("http_routes", []).extend(question_routes(questions, secret, services.delegates.languages))
    CALLBACKS[ASK] = on_ask_button
    CALLBACKS[MODERATE] = on_moderate_button
    if _card_button not in SESSION_BUTTON_HOOKS:
        SESSION_BUTTON_HOOKS.append(_card_button)
