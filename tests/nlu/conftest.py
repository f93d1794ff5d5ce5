"""NLU fixtures: the model for the current training data (trained once per data hash) and one
interpreter loaded for the whole session. The functions live in nlu.testing so that the top-level
tests/conftest.py can reuse them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nlu.interpreter import RasaInterpreter
from nlu.server import RasaServer, running_rasa_server
from nlu.testing import session_interpreter, session_model


@pytest.fixture(scope="session")
def nlu_model() -> Path:
    return session_model()


@pytest.fixture(scope="session")
def interpreter() -> RasaInterpreter:
    return session_interpreter()


@pytest.fixture(scope="session")
def rasa_server(nlu_model: Path) -> Iterator[RasaServer]:
    """A real `rasa run --enable-api` on a free loopback port (about 20 s to start)."""
    with running_rasa_server(nlu_model) as server:
        yield server
