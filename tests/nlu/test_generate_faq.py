"""nlu.generate turns the event file's FAQ into training data: an entry no intent answers becomes a
retrieval intent faq/<id> (question, paraphrases, keywords in the languages the model understands);
an entry of a topic with an intent of its own teaches that intent."""

from __future__ import annotations

from nlu.generate import build, faq_intents

EVENT = {
    "event": {"id": "demo", "default_language": "en", "languages": ["en", "id", "th"]},
    "faq": [
        {"id": "wifi", "topic": "wifi", "question": {"en": "Wi-Fi?", "id": "Wi-Fi apa?"}, "answer": "DEMO",
         "keywords": {"en": ["internet"]}},
        {"id": "prayer-room", "question": {"en": "Is there a prayer room?", "id": "Ada musholla?", "th": "มีห้องละหมาดไหม"},
         "answer": "Level B1.", "keywords": {"en": ["prayer room", "PRAYER ROOM"], "id": ["musholla"]},
         "paraphrases": {"en": ["Where can I pray?", "where can i pray?"], "id": ["Sholat di mana?"]}},
        {"id": "spouse", "topic": "other", "question": "Can my [wife](speaker) come?", "answer": "No."},
    ],
}


def test_an_entry_without_an_intent_of_its_own_is_a_retrieval_intent() -> None:
    items = {item["intent"]: item["examples"].splitlines() for item in faq_intents(EVENT)}
    assert items["faq/prayer-room"] == ["- Is there a prayer room?", "- Ada musholla?", "- Where can I pray?",
                                        "- Sholat di mana?", "- prayer room", "- musholla"]


def test_an_entry_of_a_topic_with_an_intent_teaches_that_intent() -> None:
    items = {item["intent"]: item["examples"].splitlines() for item in faq_intents(EVENT)}
    assert items["ask_wifi"] == ["- Wi-Fi?", "- Wi-Fi apa?", "- internet"]
    assert "faq/wifi" not in items


def test_organiser_text_cannot_smuggle_an_entity_annotation_in() -> None:
    items = {item["intent"]: item["examples"] for item in faq_intents(EVENT)}
    assert items["faq/spouse"] == "- Can my [wife] (speaker) come?\n"


def test_the_faq_intents_are_part_of_the_generated_file() -> None:
    assert any(item.get("intent") == "faq/prayer-room" for item in build(EVENT)["nlu"])
