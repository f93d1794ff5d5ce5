"""The features of the bot, one line each (see bot/feature.py for what a feature may bring).

The order is precedence where it matters: a message that belongs to a flow in progress is offered to
the features in this order (a broadcast draft first, then a feedback comment, a question to a
speaker, an accreditation code) before the question answering sees it.
"""

from __future__ import annotations

from bot.accreditation.feature import Accreditation
from bot.broadcasts.feature import Broadcasts
from bot.feature import Feature, Features
from bot.feedback.feature import Feedback
from bot.helpdesk.feature import Helpdesk
from bot.insights.feature import Insights
from bot.miniapp.feature import MiniApp
from bot.outbox.feature import Outbox
from bot.questions.feature import Questions
from bot.reminders.feature import Reminders
from bot.runtime import Services
from bot.schedule.feature import Schedule
from bot.telegram.core import Core
from bot.training.feature import Training

FEATURES: list[type[Feature]] = [
    Outbox,
    Broadcasts,
    Feedback,
    Questions,
    Accreditation,
    Reminders,
    Helpdesk,
    Schedule,
    MiniApp,
    Insights,
    Training,
]


def install_features(services: Services, features: list[type[Feature]] | None = None) -> Features:
    """Builds the features (after the assistant's own part, bot.telegram.core) on the core services,
    and connects the core to them."""
    installed = Features([Core(services), *(feature(services) for feature in (FEATURES if features is None else features))])
    services.features = installed
    services.conversation.handoff = installed  # questions the assistant cannot answer go to the helpdesk
    services.answers.card_buttons = installed.session_buttons  # e.g. "Ask a question" while a session takes them
    services.answers.answer_first = installed.answer_first  # e.g. the search of an imported programme
    services.answers.agenda_buttons = installed.agenda_buttons  # e.g. "Open the programme" (the Mini App)
    return installed
