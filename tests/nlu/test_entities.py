"""The stored CRF (nlu.entities) is the CRF Rasa would fit at load: same entities, no refit."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor

from nlu.entities import StoredCRFEntityExtractor
from nlu.evaluate import faq_files, held_out_files, load_examples
from nlu.interpreter import RasaModel

pytestmark = pytest.mark.slow


def with_stock_crf(path: Path) -> RasaModel:
    """The same model archive with Rasa's own CRFEntityExtractor in place of the stored one: it
    fits the CRF again from the dataset the archive keeps, as Rasa 3.6 does at every load."""
    with tempfile.TemporaryDirectory(prefix="nlu-model-") as directory:
        storage, metadata = LocalModelStorage.from_model_archive(Path(directory), path)
        nodes = {name: dataclasses.replace(node, uses=CRFEntityExtractor) if node.uses is StoredCRFEntityExtractor else node
                 for name, node in metadata.predict_schema.nodes.items()}
        assert nodes != metadata.predict_schema.nodes, "config.yml no longer uses StoredCRFEntityExtractor"
        schema = GraphSchema(nodes)
        runner = DaskGraphRunner.create(graph_schema=schema, model_storage=storage,
                                        execution_context=ExecutionContext(graph_schema=schema, model_id=metadata.model_id))
    return RasaModel(path, metadata, runner)


def entities(model: RasaModel, text: str) -> list[tuple[str, str, int, int, float]]:
    found = model.parse(text)["entities"]
    return [(e["entity"], e["value"], e["start"], e["end"], round(float(e.get("confidence_entity") or 0.0), 6)) for e in found]


def test_the_stored_crf_finds_the_same_entities_as_rasas_refitted_one(nlu_model: Path) -> None:
    stored = RasaModel.load(nlu_model)
    stock = with_stock_crf(nlu_model)
    texts = [ex.text for path in [*held_out_files(), *faq_files()] for ex in load_examples(path)]
    assert len(texts) > 900
    differing = [(t, entities(stored, t), entities(stock, t)) for t in texts if entities(stored, t) != entities(stock, t)]
    assert differing == []
    assert sum(bool(entities(stored, t)) for t in texts) > 200  # the comparison saw entities
