"""The organisers' live picture in the console: questions per hour and the share the bot answered,
the top unanswered questions, the most asked intents, reminders and ratings per session, broadcast
deliveries; each as a chart, a table and a CSV export."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.feature import Feature
from bot.insights.service import InsightsService

if TYPE_CHECKING:
    from bot.helpdesk.web.app import ConsolePage


class Insights(Feature):
    name = "insights"

    def console_pages(self) -> Sequence[ConsolePage]:
        """Built when the console starts, once every feature is installed (it reads theirs)."""
        from bot.broadcasts.feature import Broadcasts
        from bot.feedback.feature import Feedback
        from bot.insights.web import live_pages

        s = self.services
        feedback, broadcasts = s.features.find(Feedback), s.features.find(Broadcasts)
        service = InsightsService(s.database, s.events, s.clock.now, feedback.service if feedback else None,
                                  broadcasts.service if broadcasts else None)
        return live_pages(service)
