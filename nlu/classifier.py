"""The intent classifier: logistic regression on word and character n-grams of the message itself.

Why its own features (nlu.features) rather than Rasa's featurizers: the same few lines of
scikit-learn are then what the experiments in nlu/README.md and the shipped model run, and
training is faster. Word 1-2-grams carry the phrasing; character 2-5-grams inside words cope with
typos, informal Indonesian ("dmn", "bsk") and code-switching.

Organisers' FAQ entries come as Rasa retrieval intents (`faq/<entry id>`, nlu.generate): this
classifier learns them as the one intent `faq` (nlu.retrieval picks the entry). A hand-written
out-of-scope example that asks what an FAQ entry now answers ("can I leave my luggage
somewhere") would contradict the organiser's entry: such examples are left out of training
(cosine similarity to an FAQ example of at least `faq_over_out_of_scope`).

Configured in config.yml as `nlu.classifier.NgramIntentClassifier`. Like every Rasa model
archive, the joblib file is code: load only models trained from this repository.
"""

from __future__ import annotations

import logging
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nlu.features import NgramFeatures
from nlu.text import words
from nlu.types import OUT_OF_SCOPE

log = logging.getLogger(__name__)
MODEL_FILE = "ngram_intent_classifier.joblib"


def without_contradictions(examples: list[Message], threshold: float) -> list[Message]:
    """The examples less the out-of-scope ones that ask what an FAQ entry answers."""
    # Questions and paraphrases only: a one-word keyword ("wife") is too short to contradict "call my wife".
    faq = [m.get(TEXT) for m in examples if m.get(INTENT_RESPONSE_KEY) and len(words(m.get(TEXT))) >= 2]
    oos = [i for i, m in enumerate(examples) if m.get(INTENT) == OUT_OF_SCOPE]
    if not faq or not oos or threshold > 1:
        return examples
    features = NgramFeatures.fit(faq + [examples[i].get(TEXT) for i in oos], (1, 1), (3, 4))
    similarity = (features.transform([examples[i].get(TEXT) for i in oos]) @ features.transform(faq).T).max(axis=1).toarray().ravel()
    dropped = {oos[k] for k in np.flatnonzero(similarity >= threshold)}
    for i in sorted(dropped):
        log.info("out-of-scope example left out, an FAQ entry answers it: %r", examples[i].get(TEXT))
    return [m for i, m in enumerate(examples) if i not in dropped]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NgramIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression over the message's own word and character n-grams."""

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "joblib"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 100.0,  # inverse regularisation strength (measured in nlu/README.md)
            "max_iter": 3000,
            "tol": 0.001,
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "faq_over_out_of_scope": 0.6,
            "stems": False,  # word n-grams of stems (nlu.text.stem) instead of the words
            # out_of_scope's probability is multiplied by this (then renormalised): the class has
            # more examples than all others together, and the domain fallback after the
            # classifier routes off-topic words anyway (nlu/README.md)
            "out_of_scope_prior": 1.0,
            "ranking_length": 10,
            "random_state": 42,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: tuple[NgramFeatures, LogisticRegression] | None = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> NgramIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> NgramIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            log.warning("NgramIntentClassifier has no trained model in this archive: it predicts nothing")
            model = None
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        examples = without_contradictions(examples, float(self.config["faq_over_out_of_scope"]))
        if len({e.get(INTENT) for e in examples}) < 2:
            return self._resource
        texts = [e.get(TEXT) for e in examples]
        features = NgramFeatures.fit(texts, tuple(self.config["word_ngrams"]), tuple(self.config["char_ngrams"]),
                                     bool(self.config["stems"]))
        # saga converges in seconds where lbfgs takes most of a minute at this C (measured)
        regression = LogisticRegression(
            C=self.config["C"], max_iter=self.config["max_iter"], tol=self.config["tol"], solver="saga",
            random_state=self.config["random_state"],
        )
        regression.fit(features.transform(texts), [e.get(INTENT) for e in examples])
        self.model = (features, regression)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.model, directory / MODEL_FILE)  # the model archive is compressed
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None or not messages:
            return messages
        features, regression = self.model
        probabilities = regression.predict_proba(features.transform([m.get(TEXT) or "" for m in messages]))
        labels = regression.classes_
        prior = float(self.config["out_of_scope_prior"])
        if prior != 1.0 and OUT_OF_SCOPE in labels:
            probabilities[:, list(labels).index(OUT_OF_SCOPE)] *= prior
            probabilities /= probabilities.sum(axis=1, keepdims=True)
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)[: max(1, int(self.config["ranking_length"]))]
            ranking = [{"name": str(labels[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
