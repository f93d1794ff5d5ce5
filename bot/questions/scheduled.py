"""The questions feature's background work, run by RunningBot next to polling: the card loop, which
edits the other moderators' cards of decided questions whose cards were still on their way when the
decision came (`QuestionService.close_cards`). Decisions queue most edits themselves; this loop
catches the rest, after a restart too, since everything it needs is in the database."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram.ext import Application

from bot.questions.service import QuestionService
from bot.runtime import Services

log = logging.getLogger(__name__)
CARD_SECONDS = 1.0


def card_loop(services: Services, questions: QuestionService) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    async def question_cards(app: Application) -> None:  # type: ignore[type-arg]
        while True:
            if queued := await questions.close_cards():
                log.info("questions: %d moderator card edit(s) queued", queued)
            await services.clock.sleep(CARD_SECONDS)

    return question_cards
