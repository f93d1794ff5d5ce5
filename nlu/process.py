"""The model in child processes (NLU_PROCESSES): parsing on another core than the event loop.

In process, the model's worker thread and the event loop share one interpreter lock, so on two
cores a reply's parse and the next update's database work take turns instead of running side by
side. Here each child (started with `spawn`: no copy of the parent's threads or connections) loads
the model once and answers parses over a pipe; the parent keeps no model at all. A child exits
when its parent dies (the pipe closes, and Linux's parent-death signal), so no orphan keeps the
model's memory.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import queue
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from nlu.interpreter import from_rasa
from nlu.text import is_readable, sanitise
from nlu.types import NluUnavailable, Parse, unparsed

log = logging.getLogger(__name__)
START_TIMEOUT = 180.0


def _die_with_parent() -> None:
    """Linux: SIGTERM when the parent process dies (elsewhere the closed pipe still ends the child)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _serve(conn: Connection, model_path: str) -> None:
    """The child: load the model, say so, then parse each text received until the pipe closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C goes to the whole group: the parent stops us
    from nlu.interpreter import RasaModel

    try:
        model = RasaModel.load(Path(model_path))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", model_path))
    while True:
        try:
            text = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone or closed us
        try:
            conn.send(("ok", model.parse(text)))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Child:
    def __init__(self, model_path: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child_end = context.Pipe()
        self.process = context.Process(target=_serve, args=(child_end, str(model_path)), name="nlu-model", daemon=True)
        self.process.start()
        child_end.close()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        if not self.conn.poll(timeout):
            self.stop()
            raise RuntimeError(f"the NLU child process did not load its model in {timeout:.0f} s")
        kind, detail = self.conn.recv()
        if kind != "ready":
            self.stop()
            raise RuntimeError(f"the NLU child process could not load its model: {detail}")

    def parse(self, text: str) -> dict[str, Any]:
        self.conn.send(text)
        kind, result = self.conn.recv()
        if kind != "ok":
            raise RuntimeError(result)
        return result  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


class ProcessInterpreter:
    """`processes` children, each with the model, each parsing one message at a time."""

    def __init__(self, model_path: Path, children: list[_Child], models_dir: Path) -> None:
        self.model_path = model_path
        self.models_dir = models_dir
        self._idle: queue.SimpleQueue[_Child] = queue.SimpleQueue()
        self._children = children
        for child in children:
            self._idle.put(child)
        self._executor = ThreadPoolExecutor(max_workers=len(children), thread_name_prefix="nlu-pipe")
        self._reload_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    def start(cls, model_path: Path, processes: int, models_dir: Path | None = None) -> ProcessInterpreter:
        """Blocking: starts the children and waits until each has loaded the model (in parallel)."""
        started = time.perf_counter()
        children = [_Child(model_path) for _ in range(max(1, processes))]
        for child in children:
            child.wait_ready()
        log.info("NLU model %s loaded in %d child process(es) in %.1f s", model_path.name, len(children), time.perf_counter() - started)
        return cls(Path(model_path), children, models_dir or Path(model_path).parent)

    def _parse_in_child(self, text: str) -> dict[str, Any]:
        child = self._idle.get()
        try:
            return child.parse(text)
        finally:
            self._idle.put(child)

    async def parse(self, text: str) -> Parse:
        clean = sanitise(text)
        if not is_readable(clean):
            return unparsed(clean)
        try:
            data = await asyncio.get_running_loop().run_in_executor(self._executor, self._parse_in_child, clean)
        except Exception as exc:  # a dead child or a shut-down executor must not crash a handler
            log.exception("NLU child process failed on a message")
            raise NluUnavailable(f"NLU model {self.model_path.name} failed: {exc}") from exc
        return from_rasa(clean, data)

    async def ready(self) -> bool:
        return not self._closed and all(c.process.is_alive() for c in self._children)

    async def reload_if_changed(self, models_dir: Path | None = None) -> bool:
        """A newer model in `models_dir`: new children load it while the old ones keep answering."""
        from nlu.train import latest_model

        async with self._reload_lock:
            newest = latest_model(models_dir or self.models_dir)
            if newest is None or newest.resolve() == self.model_path.resolve():
                return False
            try:
                fresh = await asyncio.get_running_loop().run_in_executor(None, ProcessInterpreter.start, newest, len(self._children))
            except Exception:
                log.exception("NLU model %s failed to load; %s keeps serving", newest.name, self.model_path.name)
                return False
            old, old_executor = self._children, self._executor
            self.model_path, self._children, self._idle, self._executor = newest, fresh._children, fresh._idle, fresh._executor
            old_executor.shutdown(wait=True)
            for child in old:
                child.stop()
            log.info("NLU model switched to %s", newest.name)
            return True

    async def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        for child in self._children:
            await asyncio.get_running_loop().run_in_executor(None, child.stop)
