"""The Interpreter implementations: the Rasa model in this process, or a Rasa server over HTTP.

RasaInterpreter loads the model archive once with Rasa's prediction-graph loader (no Agent, no
tracker store: measured faster to load, same parse output) and runs every parse on one worker
thread, because TensorFlow predictions are not made to run concurrently and the event loop must
not block on them. RasaHttpInterpreter asks a `rasa run --enable-api` server, for deployments that
run several bot replicas against shared NLU servers.

Both sanitise the text the same way (nlu.text), answer unreadable input with a fallback without
asking the model, and raise nothing but NluUnavailable.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from nlu.text import MAX_CHARS, is_readable, sanitise
from nlu.types import FALLBACK, FAQ_INTENT, Entity, Interpreter, NluUnavailable, Parse, unparsed

__all__ = [
    "FALLBACK", "MAX_CHARS", "Entity", "Interpreter", "NluUnavailable", "Parse", "RasaHttpInterpreter",
    "RasaInterpreter", "RasaModel", "from_rasa", "load_interpreter",
]

log = logging.getLogger(__name__)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ start-up chatter


def from_rasa(text: str, data: dict[str, Any]) -> Parse:
    """A Parse from Rasa's parse result (the same shape in process and from /model/parse).

    Rasa puts a pseudo-intent "nlu_fallback" (confidence = the threshold) at the top of the ranking
    when the FallbackClassifier fires; the Parse keeps the real ranking and the real top confidence.
    """
    ranking = tuple(
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in data.get("intent_ranking") or []
        if r.get("name") and r.get("name") != FALLBACK
    )
    intent_data = data.get("intent") or {}
    intent = str(intent_data.get("name") or FALLBACK)
    confidence = float(intent_data.get("confidence") or 0.0)
    if intent == FALLBACK:
        confidence = ranking[0][1] if ranking else 0.0
    check = data.get("domain_check") or {}
    return Parse(
        text=text, intent=intent, confidence=confidence, entities=_entities(text, data), ranking=ranking,
        faq_ranking=_faq_ranking(data), unknown_words=tuple(str(w) for w in check.get("unknown_words") or ()),
        domain_thresholds=tuple(float(t) for t in check.get("thresholds") or ()),
    )


def _faq_ranking(data: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """(entry id, confidence) from the response selector's ranking of the retrieval intent `faq`."""
    selected = (data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    prefix = f"{FAQ_INTENT}/"
    return tuple(
        (str(r["intent_response_key"]).removeprefix(prefix), float(r.get("confidence") or 0.0))
        for r in selected.get("ranking") or []
        if str(r.get("intent_response_key") or "").startswith(prefix)
    )


def _entities(text: str, data: dict[str, Any]) -> tuple[Entity, ...]:
    """The extracted entities in text order; of two overlapping ones of the same type, the longer.

    Two extractors (the DIET model and the lookup-table matcher) may both find one name; a delegate
    must see it once.
    """
    found = []
    for raw in data.get("entities") or []:
        start, end = int(raw.get("start") or 0), int(raw.get("end") or 0)
        found.append(Entity(
            entity=str(raw.get("entity")), value=str(raw.get("value")), text=text[start:end],
            start=start, end=end, confidence=raw.get("confidence_entity"),
        ))
    found.sort(key=lambda e: (-(e.end - e.start), e.start))
    kept: list[Entity] = []
    for e in found:
        if not any(k.entity == e.entity and k.start < e.end and e.start < k.end for k in kept):
            kept.append(e)
    return tuple(sorted(kept, key=lambda e: (e.start, e.entity)))


class RasaModel:
    """One trained model archive, loaded into memory; `parse` is synchronous and not thread-safe."""

    def __init__(self, path: Path, metadata: Any, runner: Any) -> None:
        self.path = path
        self._metadata = metadata
        self._runner = runner
        self._target = metadata.nlu_target

    @classmethod
    def load(cls, path: Path) -> RasaModel:
        """Unpacks the archive into a temporary directory, builds the prediction graph, and drops
        the directory: every component holds its weights in memory once loaded."""
        from rasa.engine import loader
        from rasa.engine.runner.dask import DaskGraphRunner
        from rasa.engine.storage.local_model_storage import LocalModelStorage

        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="nlu-model-") as storage:
            metadata, runner = loader.load_predict_graph_runner(Path(storage), Path(path), LocalModelStorage, DaskGraphRunner)
        model = cls(Path(path), metadata, runner)
        model.parse("warm up")  # the first prediction traces TensorFlow functions: pay it here, not on a delegate
        log.info("NLU model %s loaded in %.1f s", Path(path).name, time.perf_counter() - started)
        return model

    def parse(self, text: str) -> dict[str, Any]:
        from rasa.core.channels.channel import UserMessage
        from rasa.shared.core.trackers import DialogueStateTracker

        inputs = {"__message__": [UserMessage(text)], "__tracker__": DialogueStateTracker.from_events("nlu", [])}
        message = self._runner.run(inputs=inputs, targets=[self._target])[self._target][0]
        result: dict[str, Any] = {"text": text, "intent": {"name": None, "confidence": 0.0}, "entities": []}
        result.update(message.as_dict(only_output_properties=True))
        return result


class RasaInterpreter:
    """The trained model in this process, called from one worker thread.

    `reload_if_changed` swaps in a newer model file without a restart: the new model loads on
    another thread while the old one keeps answering, then one reference assignment switches.
    """

    def __init__(self, model: RasaModel, models_dir: Path | None = None) -> None:
        self._model = model
        self.models_dir = models_dir if models_dir is not None else model.path.parent
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu")
        self._reload_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    def load(cls, model_path: Path, models_dir: Path | None = None) -> RasaInterpreter:
        """Blocking (a few seconds): call it once at start-up, or from a thread."""
        return cls(RasaModel.load(Path(model_path)), models_dir)

    @property
    def model_path(self) -> Path:
        return self._model.path

    async def parse(self, text: str) -> Parse:
        clean = sanitise(text)
        if not is_readable(clean):
            return unparsed(clean)
        model = self._model
        try:
            data = await asyncio.get_running_loop().run_in_executor(self._executor, model.parse, clean)
        except Exception as exc:  # a broken model or a shut-down executor must not crash a handler
            log.exception("NLU model failed on a message")
            raise NluUnavailable(f"NLU model {model.path.name} failed: {exc}") from exc
        return from_rasa(clean, data)

    def parse_blocking(self, text: str) -> Parse:
        """The same as `parse`, for scripts and evaluation that run without an event loop."""
        clean = sanitise(text)
        if not is_readable(clean):
            return unparsed(clean)
        model = self._model
        try:
            data = self._executor.submit(model.parse, clean).result()
        except Exception as exc:
            raise NluUnavailable(f"NLU model {model.path.name} failed: {exc}") from exc
        return from_rasa(clean, data)

    async def ready(self) -> bool:
        return not self._closed

    async def reload_if_changed(self, models_dir: Path | None = None) -> bool:
        """Loads the newest complete model in `models_dir` if it is not the one serving.

        Returns True when a new model was swapped in. A model that fails to load is logged and the
        old one keeps serving.
        """
        from nlu.train import latest_model

        async with self._reload_lock:
            newest = latest_model(models_dir or self.models_dir)
            if newest is None or newest.resolve() == self._model.path.resolve():
                return False
            try:
                model = await asyncio.get_running_loop().run_in_executor(None, RasaModel.load, newest)
            except Exception:
                log.exception("NLU model %s failed to load; %s keeps serving", newest.name, self._model.path.name)
                return False
            self._model = model
            log.info("NLU model switched to %s", newest.name)
            return True

    async def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)


class RasaHttpInterpreter:
    """A Rasa server's POST /model/parse, with a time-out and retries.

    Connection errors, time-outs and 5xx answers are retried `retries` times with a short back-off;
    then NluUnavailable, so the bot can tell the delegate and hand the question to the helpdesk.
    """

    def __init__(self, url: str, timeout: float = 2.0, retries: int = 2, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.retries = retries
        self._params = {"token": token} if token else None
        self._client = httpx.AsyncClient(timeout=timeout)

    async def parse(self, text: str) -> Parse:
        clean = sanitise(text)
        if not is_readable(clean):
            return unparsed(clean)
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(0.05 * 2**attempt)
            try:
                response = await self._client.post(f"{self.url}/model/parse", json={"text": clean}, params=self._params)
            except httpx.HTTPError as exc:
                last = exc
                continue
            if response.status_code >= 500:
                last = httpx.HTTPStatusError(f"{response.status_code}", request=response.request, response=response)
                continue
            try:
                response.raise_for_status()
                return from_rasa(clean, response.json())
            except (httpx.HTTPError, ValueError) as exc:  # 4xx or not JSON: retrying will not help
                raise NluUnavailable(f"NLU server {self.url} answered {response.status_code}: {exc}") from exc
        raise NluUnavailable(f"NLU server {self.url} unavailable: {last!r}")

    async def ready(self) -> bool:
        """True when the server answers /status and has a model loaded."""
        try:
            response = await self._client.get(f"{self.url}/status", params=self._params)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def close(self) -> None:
        await self._client.aclose()


async def load_interpreter(nlu_url: str | None, model_dir: Path) -> Interpreter:
    """The HTTP interpreter when NLU_URL is set; else the model for the current training data if
    `model_dir` has it, or the newest model there, loaded in process (off the event loop)."""
    if nlu_url:
        return RasaHttpInterpreter(nlu_url)
    from nlu.train import pick_model

    model = pick_model(Path(model_dir))
    if model is None:
        raise FileNotFoundError(f"no trained NLU model in {model_dir}: run `make train`")
    return await asyncio.get_running_loop().run_in_executor(None, RasaInterpreter.load, model, Path(model_dir))
