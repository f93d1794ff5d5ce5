"""One trained model per test session: trained if the data changed (cached by hash), loaded once."""

from __future__ import annotations

from functools import lru_cache

from nlu.interpreter import RasaInterpreter
from nlu.train import ensure_model


@lru_cache(maxsize=1)
def shared_interpreter() -> RasaInterpreter:
    """The in-process model; its worker thread is independent of any event loop, so every test may use it."""
    return RasaInterpreter.load(ensure_model(quiet=True))
