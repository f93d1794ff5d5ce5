"""Test support: one trained, loaded model per test session, shared by every test that needs it.

Used by tests/nlu/conftest.py; the top-level tests/conftest.py can import the same functions.
Training happens only when the training data changed (nlu.train caches by hash); loading takes
a few seconds, so it happens once per process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from nlu.interpreter import RasaInterpreter
from nlu.train import ensure_model


@lru_cache(maxsize=1)
def session_model() -> Path:
    """The model archive for the current training data, trained first if needed."""
    return ensure_model(quiet=True)


@lru_cache(maxsize=1)
def session_interpreter() -> RasaInterpreter:
    """The in-process interpreter on `session_model()`. Its worker thread belongs to no event loop,
    so tests with their own loops (pytest-asyncio's default) may all use it; never close it."""
    return RasaInterpreter.load(session_model())
