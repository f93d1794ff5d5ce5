"""What the rest of the bot sees of NLU: a Parse (intent, confidence, entities, ranking).

Kept free of Rasa, TensorFlow and httpx imports so that services, tests and type checks can use
these types without loading a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

FALLBACK = "nlu_fallback"
"""The intent of a message the model is not sure about (below the threshold in config.yml)."""

OUT_OF_SCOPE = "out_of_scope"
HANDOFF_INTENTS = frozenset({FALLBACK, OUT_OF_SCOPE})
"""Intents that are never answered from event data: the question goes to the helpdesk inbox."""

FAQ_INTENT = "faq"
"""The retrieval intent of the organisers' FAQ entries: `faq/<entry id>` in the training data
(written by nlu.generate), the intent `faq` plus the entry in a Parse."""

TOPIC_INTENTS = {
    "wifi": "ask_wifi", "dress_code": "ask_dress_code", "meals": "ask_meals", "registration": "ask_registration",
    "contact": "ask_contact", "transport": "ask_directions", "airport": "ask_directions",
}
"""FAQ topics that an intent of their own answers (with every entry of the topic). An entry of any
other topic (`accommodation`, `other`, or none) is a retrieval intent of its own."""


class NluUnavailable(Exception):
    """The model or the NLU server cannot answer right now (not loaded, crashed, unreachable)."""


@dataclass(frozen=True)
class Entity:
    """One extracted entity. `value` is normalised (a speaker id, "tomorrow", "day 2", "en"...);
    `text` is what the delegate wrote, `start`/`end` index the sanitised text of the Parse."""

    entity: str
    value: str
    text: str
    start: int
    end: int
    confidence: float | None = None


@dataclass(frozen=True)
class Parse:
    """The model's reading of one message.

    When the fallback fires, `intent` is "nlu_fallback", `confidence` is the best real intent's
    confidence (below the threshold) and `ranking` still lists the real intents, best first, so the
    helpdesk and the analytics can see what the model hesitated between.
    """

    text: str
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    ranking: tuple[tuple[str, float], ...] = ()
    faq_ranking: tuple[tuple[str, float], ...] = ()
    """FAQ entry ids with their confidence, best first (the retrieval intent's own ranking)."""
    unknown_words: tuple[str, ...] = ()
    """Words no in-scope training example uses (the domain check of nlu.domain)."""
    domain_thresholds: tuple[float, ...] = ()
    """The confidence the domain check asks for with 0, 1 and 2+ unknown words."""

    def judged_with(self, known: Callable[[str], bool]) -> Parse:
        """This parse judged again with the words `known` accepts as no longer unknown.

        The model's vocabulary is fixed at training; the event's names are not: a schedule synced
        during the conference brings rooms ("r3s - Monheim/Rhein") and speakers the model never
        saw. A fallback caused only by such words is lifted when the best real intent reaches the
        threshold for the words still unknown; anything else is left as the model decided.
        """
        if self.intent != FALLBACK or not self.unknown_words or len(self.domain_thresholds) != 3 or not self.ranking:
            return self
        still = tuple(w for w in self.unknown_words if not known(w))
        best, confidence = self.ranking[0]
        if len(still) == len(self.unknown_words) or best in HANDOFF_INTENTS or confidence < self.domain_thresholds[min(len(still), 2)]:
            return self
        return replace(self, intent=best, confidence=confidence, unknown_words=still)

    @property
    def faq_entry(self) -> str | None:
        """The FAQ entry asked for, when the intent is the retrieval intent `faq`."""
        return self.faq_ranking[0][0] if self.intent == FAQ_INTENT and self.faq_ranking else None

    def entity(self, name: str) -> str | None:
        """The first value of this entity type, or None."""
        return next((e.value for e in self.entities if e.entity == name), None)

    def entities_of(self, name: str) -> list[str]:
        """Every value of this entity type, in text order, without duplicates."""
        return list(dict.fromkeys(e.value for e in self.entities if e.entity == name))


def unparsed(text: str) -> Parse:
    """The Parse of a message with nothing to understand (empty, emoji only, unknown script)."""
    return Parse(text=text, intent=FALLBACK, confidence=0.0)


class Interpreter(Protocol):
    """Text in, Parse out. Implementations never raise on odd input; they raise NluUnavailable
    only when the model or the server cannot be reached."""

    async def parse(self, text: str) -> Parse: ...

    async def ready(self) -> bool: ...

    async def close(self) -> None: ...


class NoInterpreter:
    """An interpreter that understands nothing: for commands that build the services only to act on
    the data (the CLI's forget), where loading the model would cost seconds for nothing."""

    async def parse(self, text: str) -> Parse:
        raise NluUnavailable("no NLU model loaded in this command")

    async def ready(self) -> bool:
        return False

    async def close(self) -> None:
        return None
