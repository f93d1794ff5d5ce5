"""The evaluation sets stay apart from the training data: no line of the Indonesian off-topic set or
of CLINC150's oos_test (when it is there) is a near copy of an out-of-scope training example, no FAQ
paraphrase a near copy of any training example (word Jaccard or character-trigram cosine above the
thresholds below; the off-topic training data was cleaned once at a looser 0.7 / 0.6 against
oos_test, nlu/README.md)."""

from __future__ import annotations

import re

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.evaluate import clinc_exam, faq_files, load_examples, offtopic_sets
from nlu.train import training_files
from nlu.types import OUT_OF_SCOPE


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def near_copies(evaluated: list[str], training: list[str], cosine: float, jaccard: float) -> list[tuple[str, str]]:
    """(evaluation line, closest training line) for every evaluation line too close to one."""
    ev, tr = [_norm(t) for t in evaluated], [_norm(t) for t in training]
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3)).fit(tr + ev)
    similarity = (vectors.transform(ev) @ vectors.transform(tr).T).toarray()
    train_words = [set(t.split()) for t in tr]
    close = []
    for i, line in enumerate(ev):
        words = set(line.split())
        overlap = max((len(words & w) / len(words | w) for w in train_words if words | w), default=0.0)
        j = int(similarity[i].argmax())
        if similarity[i, j] >= cosine or overlap >= jaccard:
            close.append((evaluated[i], training[j]))
    return close


@pytest.fixture(scope="module")
def training() -> list[str]:
    return [ex.text for path in training_files()[2:] for ex in load_examples(path, "any")]


@pytest.fixture(scope="module")
def off_topic_training() -> list[str]:
    return [ex.text for path in training_files()[2:] for ex in load_examples(path, "any") if ex.intent == OUT_OF_SCOPE]


def test_the_indonesian_off_topic_set_is_no_copy_of_the_training_data(off_topic_training: list[str]) -> None:
    assert not near_copies(offtopic_sets()["id"], off_topic_training, cosine=0.6, jaccard=0.5)


def test_no_training_example_copies_clincs_exam(off_topic_training: list[str]) -> None:
    exam = clinc_exam()
    if exam is None:
        pytest.skip("CLINC150 oos_test.txt is not here (CLINC_OOS_TEST)")
    assert not near_copies(exam, off_topic_training, cosine=0.7, jaccard=0.6)


@pytest.mark.parametrize("path", faq_files(), ids=lambda p: p.stem)
def test_the_faq_paraphrases_are_no_copies_of_the_training_data(training: list[str], path) -> None:  # type: ignore[no-untyped-def]
    assert not near_copies([ex.text for ex in load_examples(path)], training, cosine=0.8, jaccard=0.75)
