"""A Rasa intent classifier that loads in milliseconds: logistic regression on sparse n-grams.

Why not Rasa's own components: DIETClassifier retraces its TensorFlow graph on every load (minutes
on two cores, measured in nlu/README.md), and LogisticRegressionClassifier persists with skops,
whose import scans every loaded module (seconds). This one is the same model family on tf-idf
weighted, L2-normalised rows (so long and short messages get comparable confidences, which the
fallback threshold compares), persisted with joblib inside the model archive.

Configured in config.yml as `nlu.components.LinearIntentClassifier`; Rasa finds it because its
commands put the working directory (the repository root) on the import path.
Like every Rasa model archive (CRF and DIET weights are pickled too), a model file is code: load
only models trained from this repository.
"""

from __future__ import annotations

import logging
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize

log = logging.getLogger(__name__)
MODEL_FILE = "linear_intent_classifier.joblib"


def sentence_features(message: Message) -> sp.csr_matrix | None:
    """The message's sentence-level sparse features, one row, featurizers in a fixed order."""
    parts = sorted(
        (f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()),
        key=lambda f: str(f.origin),
    )
    if not parts:
        return None
    return sp.hstack([f.features for f in parts], format="csr")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression over the sentence features of the sparse featurizers."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "joblib"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 30.0,  # inverse regularisation strength
            "max_iter": 3000,
            "class_weight": None,  # or "balanced"
            "tfidf": True,  # sublinear tf-idf weighting, then L2 rows (else: raw counts, see `normalise`)
            "normalise": True,  # L2-normalise each row when tfidf is off
            "ranking_length": 10,
            "random_state": 42,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 clf: Pipeline | None = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.clf = clf

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                clf = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            log.warning("LinearIntentClassifier has no trained model in this archive: it predicts nothing")
            clf = None
        return cls(config, model_storage, resource, clf)

    def _matrix(self, messages: list[Message]) -> sp.csr_matrix:
        rows = [sentence_features(m) for m in messages]
        width = next((r.shape[1] for r in rows if r is not None), 0)
        matrix = sp.vstack([r if r is not None else sp.csr_matrix((1, width)) for r in rows], format="csr")
        return normalize(matrix) if self.config["normalise"] and not self.config["tfidf"] else matrix

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        regression = LogisticRegression(
            C=self.config["C"], max_iter=self.config["max_iter"], class_weight=self.config["class_weight"],
            random_state=self.config["random_state"], solver="lbfgs",
        )
        # Rare n-grams (a session's name, "halal") say more about the intent than common ones ("the", "apa").
        steps = [("tfidf", TfidfTransformer(sublinear_tf=True))] if self.config["tfidf"] else []
        self.clf = Pipeline([*steps, ("regression", regression)])
        self.clf.fit(self._matrix(examples), [e.get(INTENT) for e in examples])
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.clf, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.clf is None or not messages:
            return messages
        probabilities = self.clf.predict_proba(self._matrix(messages))
        labels = self.clf.classes_
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)[: max(1, int(self.config["ranking_length"]))]
            ranking = [{"name": str(labels[i]), "confidence": float(row[i])} for i in order]
            message.set("intent", ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
