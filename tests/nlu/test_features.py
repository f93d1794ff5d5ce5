"""The classifier's and the selector's optional features, off in config.yml (measured in nlu/README.md)."""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.training_data.message import Message
from sklearn.linear_model import LogisticRegression

from nlu.classifier import NgramIntentClassifier
from nlu.features import NgramFeatures

TEXTS = ["where is the wifi network", "apa nama jaringan wifi", "play some music", "set an alarm for six"]
INTENTS = ["ask_wifi", "ask_wifi", "out_of_scope", "out_of_scope"]


def similarity(features: NgramFeatures, a: str, b: str) -> float:
    return float((features.transform([a]) @ features.transform([b]).T).toarray()[0, 0])


def test_stems_let_a_word_with_a_clitic_match_its_plain_form() -> None:
    plain = NgramFeatures.fit(TEXTS, (1, 1), (3, 4))
    stemmed = NgramFeatures.fit(TEXTS, (1, 1), (3, 4), stems=True)
    assert similarity(stemmed, "jaringannya", "jaringan") > similarity(plain, "jaringannya", "jaringan")


def ranking(config: dict[str, Any]) -> dict[str, float]:
    features = NgramFeatures.fit(TEXTS, (1, 2), (2, 5))
    regression = LogisticRegression(C=100).fit(features.transform(TEXTS), INTENTS)
    classifier = NgramIntentClassifier(config, None, None, (features, regression))  # type: ignore[arg-type]
    message = Message(data={"text": "is there music on the wifi"})
    classifier.process([message])
    return {r["name"]: r["confidence"] for r in message.get("intent_ranking")}


def test_the_out_of_scope_prior_scales_that_class_and_keeps_a_distribution() -> None:
    plain, scaled = ranking({}), ranking({"out_of_scope_prior": 0.5})
    odds = lambda r: r["out_of_scope"] / r["ask_wifi"]  # noqa: E731
    assert abs(odds(scaled) - 0.5 * odds(plain)) < 1e-6
    assert abs(sum(scaled.values()) - 1) < 1e-6
