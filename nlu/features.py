"""Word and character n-gram features of a message, shared by the intent classifier and the FAQ
selector. Free of Rasa imports, so that a trained model unpickles without loading Rasa."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from nlu.text import stem, words


def joined(text: str) -> str:
    return " ".join(words(text))


def stemmed(text: str) -> str:
    """The words with Indonesian clitics and English plural endings off ("jaringannya" is
    "jaringan"), so that word n-grams match the forms the training data has."""
    return " ".join(stem(w) for w in words(text))


@dataclass
class NgramFeatures:
    """Word and character tf-idf (sublinear counts), fitted on the training messages; one
    L2-normalised row per message, so that long and short messages get comparable confidences."""

    word: TfidfVectorizer
    char: TfidfVectorizer
    stems: bool = False

    @classmethod
    def fit(cls, texts: list[str], word_ngrams: tuple[int, int], char_ngrams: tuple[int, int], stems: bool = False) -> NgramFeatures:
        word = TfidfVectorizer(analyzer="word", ngram_range=word_ngrams, sublinear_tf=True, token_pattern=r"\S+", dtype=np.float32)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, sublinear_tf=True, dtype=np.float32)
        word.fit([stemmed(t) if stems else joined(t) for t in texts])
        char.fit([joined(t) for t in texts])
        return cls(word, char, stems)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        plain = [joined(t) for t in texts]
        words_ = [stemmed(t) for t in texts] if self.stems else plain
        return normalize(sp.hstack([self.word.transform(words_), self.char.transform(plain)], format="csr"))
