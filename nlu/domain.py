"""The fallback with a domain check: a message full of words the event never uses is not guessed at.

A classifier trained on a few thousand examples ignores the words it has never seen: "who invented
the internet" is, to it, "who ... the internet", a Wi-Fi question. Delegates' real questions mostly
use words of the training data and of the event file (measured in nlu/README.md: three in four
held-out questions have no unknown word; four in five off-topic queries have two or more). So the
confidence a message needs before it is answered rises with the number of its words that no
in-scope training example and no lookup table (speakers, topics, days) contains:

- no unknown word: `threshold`;
- one unknown word: `threshold_one_unknown`;
- two or more: `threshold_unknown` (above 1: always the helpdesk).

Words inside an extracted entity (a speaker's name the model tagged) and words with digits do not
count; a word counts as known when its crude stem is (nlu.text.stem: "jadwalnya", "sessions").
Below the threshold the message becomes `nlu_fallback`, the way Rasa's FallbackClassifier does it
(the real ranking stays below it), so the bot hands it to the helpdesk. The unknown words are in
the parse result under `domain_check`, for the helpdesk and the evaluation, with the three
thresholds: the bot judges again when the unknown words turn out to be the event's own names (a room
or speaker of a schedule imported after training, see nlu.types.Parse.judged_with).

Configured in config.yml as `nlu.domain.DomainFallbackClassifier`, after the intent classifier
and the entity extractor.
"""

from __future__ import annotations

import logging
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.text import stem, words
from nlu.types import FALLBACK, OUT_OF_SCOPE

log = logging.getLogger(__name__)
MODEL_FILE = "domain_vocabulary.joblib"
DOMAIN_CHECK = "domain_check"


def unknown_words(text: str, entities: list[dict[str, Any]], vocabulary: frozenset[str]) -> list[str]:
    """The message's words that the in-scope data never uses (entities and numbers excepted)."""
    masked = list(text)
    for e in entities:
        start, end = int(e.get("start") or 0), int(e.get("end") or 0)
        masked[start:end] = " " * (end - start)
    return [w for w in words("".join(masked)) if not any(c.isdigit() for c in w) and w not in vocabulary and stem(w) not in vocabulary]


def vocabulary_of(training_data: TrainingData) -> frozenset[str]:
    known: set[str] = set()
    for example in training_data.intent_examples:
        if example.get(INTENT) and example.get(INTENT) != OUT_OF_SCOPE:
            known.update(words(example.get(TEXT) or ""))
    for table in training_data.lookup_tables:
        elements = table.get("elements")
        if isinstance(elements, list):
            for element in elements:
                known.update(words(str(element)))
    return frozenset(known | {stem(w) for w in known})


def required_confidence(unknown: int, config: dict[str, Any]) -> float:
    if unknown == 0:
        return float(config["threshold"])
    if unknown == 1:
        return float(config["threshold_one_unknown"])
    return float(config["threshold_unknown"])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DomainFallbackClassifier(GraphComponent, IntentClassifier):
    """Rasa's FallbackClassifier with a confidence threshold that depends on unknown words."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"threshold": 0.35, "threshold_one_unknown": 0.5, "threshold_unknown": 0.97}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: frozenset[str] | None = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> DomainFallbackClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> DomainFallbackClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            log.warning("DomainFallbackClassifier has no vocabulary in this archive: every word counts as known")
            vocabulary = None
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        self.vocabulary = vocabulary_of(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.vocabulary, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if not intent.get("name"):
                continue
            unknown = unknown_words(message.get(TEXT) or "", message.get(ENTITIES) or [], self.vocabulary or frozenset()) if self.vocabulary else []
            threshold = required_confidence(len(unknown), self.config)
            message.set(DOMAIN_CHECK, {"unknown_words": unknown, "threshold": threshold, "thresholds": [
                required_confidence(n, self.config) for n in (0, 1, 2)]}, add_to_output=True)
            if intent["name"] != OUT_OF_SCOPE and float(intent.get("confidence") or 0.0) < threshold:
                fallback = {"name": FALLBACK, "confidence": threshold}
                message.set(INTENT, fallback, add_to_output=True)
                message.set("intent_ranking", [fallback, *(message.get("intent_ranking") or [])], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
