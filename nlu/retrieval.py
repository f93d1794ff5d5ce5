"""Which FAQ entry a question asks for: Rasa's retrieval intents, without TensorFlow.

nlu.generate writes each organiser's FAQ entry (data/event.yml `faq`, those no intent of their own
answers) as a retrieval intent `faq/<entry id>`, from its questions, keywords and paraphrases. The
intent classifier learns the intent `faq`; this component learns which entry: a logistic
regression on word and character n-grams of those examples, one per retrieval intent. Its output
has the shape of Rasa's ResponseSelector (`response_selector.faq.response.intent_response_key`,
`.ranking`), so `rasa run` and the in-process interpreter return the same thing.

The organiser's entry wins over the intent classifier when the selector is sure of it (confidence
at least `override`) and the classifier sees the retrieval intent as possible (at least
`override_min_intent`): "is my partner allowed at the gala dinner" is the partner-dinner entry,
not a meals question, although ask_meals has many more examples about dinners. The message's
intent becomes `faq` with the selector's confidence (the domain fallback after it still applies).

Why not Rasa's ResponseSelector: it trains a TensorFlow model (minutes on two cores for every
change of the event's FAQ, measured in nlu/README.md) and loads slowly; with a few dozen examples
per entry a linear model is as accurate (the FAQ retrieval figures of `make eval`).

Configured in config.yml as `nlu.retrieval.FaqSelector`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nlu.features import NgramFeatures
from nlu.types import OUT_OF_SCOPE

log = logging.getLogger(__name__)
OTHER = "__other__"
"""With `contrast`, the selector also learns the other in-scope intents' questions under this label,
so "tell me about the welcome dinner" (a meals question) is not the partner-dinner entry just
because that entry is the only one about dinners: the probability goes to "none of the entries"."""
MODEL_FILE = "faq_selector.joblib"
RESPONSE_SELECTOR = "response_selector"

Selector = tuple[NgramFeatures, LogisticRegression | None, list[str]]
"""Features, regression (None when the intent has a single key) and the response keys."""


def _prediction(key: str, confidence: float, ranking: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "response": {
            "id": None, "responses": [], "response_templates": [], "confidence": confidence,
            "intent_response_key": key, "utter_action": f"utter_{key}", "template_name": f"utter_{key}",
        },
        "ranking": ranking,
    }


def _make_intent(message: Message, intent: str, confidence: float) -> None:
    """The retrieval intent on top of the message's intent ranking, with the selector's confidence."""
    chosen = {"name": intent, "confidence": confidence}
    others = [r for r in message.get("intent_ranking") or [] if r.get("name") != intent]
    message.set(INTENT, chosen, add_to_output=True)
    message.set("intent_ranking", [chosen, *others], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqSelector(GraphComponent):
    """Picks the response key (`faq/<entry id>`) of every retrieval intent in the training data."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 10.0, "override": 0.5, "override_min_intent": 0.03, "ranking_length": 5, "random_state": 42,
                "stems": False, "contrast": False}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 selectors: dict[str, Selector] | None = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.selectors = selectors or {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FaqSelector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> FaqSelector:
        try:
            with model_storage.read_from(resource) as directory:
                selectors = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            selectors = {}
        return cls(config, model_storage, resource, selectors)

    def train(self, training_data: TrainingData) -> Resource:
        by_intent: dict[str, list[Message]] = defaultdict(list)
        for example in training_data.intent_examples:
            if example.get(INTENT_RESPONSE_KEY) and example.get(TEXT):
                by_intent[example.get(INTENT)].append(example)
        self.selectors = {}
        for intent, examples in by_intent.items():
            texts = [e.get(TEXT) for e in examples]
            keys = [e.get(INTENT_RESPONSE_KEY) for e in examples]
            if self.config["contrast"]:  # the other in-scope intents' questions: "none of the entries"
                others = [e.get(TEXT) for e in training_data.intent_examples
                          if e.get(TEXT) and not e.get(INTENT_RESPONSE_KEY) and e.get(INTENT) not in (intent, OUT_OF_SCOPE)]
                texts, keys = texts + others, keys + [OTHER] * len(others)
            features = NgramFeatures.fit(texts, (1, 2), (2, 5), bool(self.config["stems"]))
            labels = sorted(set(keys))
            regression = None
            if len(labels) > 1:
                regression = LogisticRegression(C=self.config["C"], max_iter=3000, random_state=self.config["random_state"])
                regression.fit(features.transform(texts), keys)
                labels = [str(c) for c in regression.classes_]
            self.selectors[intent] = (features, regression, labels)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.selectors, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if not self.selectors or not messages:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        predictions: list[dict[str, Any]] = [{"all_retrieval_intents": sorted(self.selectors)} for _ in messages]
        for intent, (features, regression, labels) in self.selectors.items():
            rows = regression.predict_proba(features.transform(texts)) if regression is not None else np.ones((len(texts), 1))
            for message, prediction, row in zip(messages, predictions, rows, strict=True):
                entries = [i for i in np.argsort(-row) if labels[i] != OTHER]
                order = entries[: max(1, int(self.config["ranking_length"]))]
                ranking = [{"id": None, "confidence": float(row[i]), "intent_response_key": labels[i]} for i in order]
                best, confidence = labels[order[0]], float(row[order[0]])
                prediction[intent] = _prediction(best, confidence, ranking)
                if self._overrides(message, intent, confidence):
                    _make_intent(message, intent, confidence)
        for message, prediction in zip(messages, predictions, strict=True):
            message.set(RESPONSE_SELECTOR, prediction, add_to_output=True)
        return messages

    def _overrides(self, message: Message, intent: str, confidence: float) -> bool:
        """The selector is sure of an entry and the classifier sees the retrieval intent as possible;
        also when the classifier already chose it with less confidence than the selector."""
        ranking = {r.get("name"): float(r.get("confidence") or 0.0) for r in message.get("intent_ranking") or []}
        current = message.get(INTENT) or {}
        if current.get("name") == intent and float(current.get("confidence") or 0.0) >= confidence:
            return False
        return confidence >= float(self.config["override"]) and ranking.get(intent, 0.0) >= float(self.config["override_min_intent"])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
