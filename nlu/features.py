"""Word and character n-gram features of a message, shared by the intent classifier and the FAQ
selector. Free of Rasa imports, so that a trained model unpickles without loading Rasa."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from nlu.text import words


def joined(text: str) -> str:
    return " ".join(words(text))


@dataclass
class NgramFeatures:
    """Word and character tf-idf (sublinear counts), fitted on the training messages; one
    L2-normalised row per message, so that long and short messages get comparable confidences."""

    word: TfidfVectorizer
    char: TfidfVectorizer

    @classmethod
    def fit(cls, texts: list[str], word_ngrams: tuple[int, int], char_ngrams: tuple[int, int]) -> NgramFeatures:
        texts = [joined(t) for t in texts]
        word = TfidfVectorizer(analyzer="word", ngram_range=word_ngrams, sublinear_tf=True, token_pattern=r"\S+", dtype=np.float32)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, sublinear_tf=True, dtype=np.float32)
        word.fit(texts)
        char.fit(texts)
        return cls(word, char)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        texts = [joined(t) for t in texts]
        return normalize(sp.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr"))
