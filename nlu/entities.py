"""Rasa's CRF entity extractor, loaded without fitting it again.

Rasa 3.6's CRFEntityExtractor stores only its training set in the model archive
(crf_dataset.json) and fits the CRF again at every load: with about 6 000 training messages that
is 12 of the model's 15 s load time (profiled in nlu/README.md), paid at every start of the bot
and at every hot reload. This subclass also stores the fitted taggers (sklearn-crfsuite CRFs,
which pickle the crfsuite model file's bytes) with joblib and loads them as they are. The CRF is
the same object Rasa would have fitted: the same dataset, configuration and lbfgs fit, which is
deterministic (tests/nlu/test_entities.py compares the entities of both on the held-out sets).

The dataset is still written, so an archive without the stored taggers (or with an unreadable
one) loads the stock way: slower, never wrong.

Configured in config.yml as `nlu.entities.StoredCRFEntityExtractor`, with the same options as
CRFEntityExtractor. Like every Rasa model archive, the joblib file is code: load only models
trained from this repository.
"""

from __future__ import annotations

import logging
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken

log = logging.getLogger(__name__)
TAGGERS_FILE = "crf_taggers.joblib"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class StoredCRFEntityExtractor(CRFEntityExtractor):
    """CRFEntityExtractor whose fitted taggers are persisted at training and loaded as they are."""

    def persist(self, dataset: list[list[CRFToken]]) -> None:
        super().persist(dataset)
        if self.entity_taggers:
            with self._model_storage.write_to(self._resource) as directory:
                joblib.dump((list(self.crf_order), self.entity_taggers), directory / TAGGERS_FILE)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CRFEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                crf_order, taggers = joblib.load(directory / TAGGERS_FILE)
        except (ValueError, FileNotFoundError):  # no resource, or a model trained before this component
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        except Exception:  # noqa: BLE001 - an unreadable pickle (other library versions): fit as Rasa does
            log.warning("stored CRF taggers unreadable: fitting them again from the stored dataset", exc_info=True)
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        extractor = cls(config, model_storage, resource, taggers)
        extractor.crf_order = crf_order
        return extractor
