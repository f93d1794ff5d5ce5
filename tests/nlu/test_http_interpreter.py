"""Rasa as its own service: the HTTP interpreter parses through a real `rasa run --enable-api`,
agrees with the in-process model, and says clearly (NluUnavailable) when the server is gone."""

from __future__ import annotations

import pytest

from nlu.interpreter import NluUnavailable, RasaHttpInterpreter, RasaInterpreter
from nlu.server import free_port, running_rasa_server
from nlu.types import FALLBACK

pytestmark = pytest.mark.slow


async def test_parses_through_the_server_like_the_in_process_model(rasa_server, interpreter: RasaInterpreter) -> None:
    client = RasaHttpInterpreter(rasa_server.url)
    try:
        assert await client.ready()
        for text in ("what's the wifi password?", "jadwal besok apa aja", "kapan Bu Retno bicara",
                     "can I bring my wife to the welcome dinner?", "how many legs does a spider have"):
            over_http, in_process = await client.parse(text), await interpreter.parse(text)
            assert over_http.intent == in_process.intent
            assert over_http.entities == in_process.entities
            assert (over_http.faq_entry, over_http.unknown_words) == (in_process.faq_entry, in_process.unknown_words)
            assert over_http.confidence == pytest.approx(in_process.confidence, abs=1e-6)
    finally:
        await client.close()


async def test_raises_nlu_unavailable_once_the_server_is_killed(nlu_model) -> None:
    with running_rasa_server(nlu_model) as server:
        client = RasaHttpInterpreter(server.url, timeout=2.0, retries=1)
        assert (await client.parse("where is the venue?")).intent == "ask_venue"
        server.stop()
        with pytest.raises(NluUnavailable):
            await client.parse("where is the venue?")
        assert not await client.ready()
        await client.close()


async def test_an_unreachable_server_is_unavailable_and_never_a_crash() -> None:
    client = RasaHttpInterpreter(f"http://127.0.0.1:{free_port()}", timeout=0.5, retries=2)
    with pytest.raises(NluUnavailable):
        await client.parse("hello")
    assert not await client.ready()
    await client.close()


async def test_text_without_words_is_answered_without_asking_the_server() -> None:
    client = RasaHttpInterpreter(f"http://127.0.0.1:{free_port()}", timeout=0.5, retries=0)
    for text in ("", "   ", "😀👍", "?!..."):
        parse = await client.parse(text)
        assert parse.intent == FALLBACK and parse.confidence == 0.0
    await client.close()


async def test_recovers_by_itself_when_the_server_comes_back(nlu_model) -> None:
    import asyncio

    from nlu.server import start_rasa_server

    with running_rasa_server(nlu_model) as first:
        port = first.port
        client = RasaHttpInterpreter(first.url, timeout=2.0, retries=0)
        assert (await client.parse("where is the venue?")).intent == "ask_venue"
    with pytest.raises(NluUnavailable):
        await client.parse("where is the venue?")
    second = start_rasa_server(nlu_model, port=port)  # the same address, as a restarted service
    try:
        second.wait_until_ready(180)
        for _ in range(60):  # the same client, never rebuilt: it finds the server again
            try:
                assert (await client.parse("where is the venue?")).intent == "ask_venue"
                break
            except NluUnavailable:
                await asyncio.sleep(0.5)
        else:
            pytest.fail("the client never recovered")
    finally:
        second.stop()
        second.log.close()
        await client.close()
