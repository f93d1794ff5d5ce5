"""The end-to-end harness of tests/e2e (the real bot polling the Bot API emulator), for questions."""

from tests.e2e.conftest import emulator, harness, pg_harness  # noqa: F401
