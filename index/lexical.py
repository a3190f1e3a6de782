"""BM25 (bm25s, Snowball-stemmed) over chunk texts, saved as bm25s's plain files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

# every word, single letters and digits included ("type 2", "hepatitis B", "stage 3")
_TOKEN = re.compile(r"(?u)\b\w+\b")
# Below this many postings a query sums them per unit by sorting; above, by bincount.
_SORT_MAX = 30_000


@lru_cache(maxsize=1)
def stemmer() -> Any:
    """The Snowball English stemmer BM25 uses (PyStemmer)."""
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop words removed, Snowball-stemmed word tokens."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _stopwords()]
    return list(_stemmer().stemWords(words))


@dataclass
class LexicalIndex:
    """BM25 over *units* (a title, one inclusion term, a page passage); each unit belongs to
    a chunk, and a chunk scores the best of its units, so a short synonym line is not
    drowned by the length of the entry it belongs to."""

    model: bm25s.BM25
    starts: np.ndarray  # first unit of each chunk (units are stored in chunk order)
    unit_chunk: np.ndarray = field(init=False, repr=False)  # the chunk of each unit

    def __post_init__(self) -> None:
        n_units = int(self.model.scores["num_docs"])
        sizes = np.diff(np.append(self.starts, n_units))
        self.unit_chunk = np.repeat(np.arange(len(self.starts), dtype=np.int64), sizes)

    @classmethod
    def build(cls, units: list[str], unit_chunk: np.ndarray) -> LexicalIndex:
        if len(unit_chunk) and (np.any(np.diff(unit_chunk) < 0) or unit_chunk[0] != 0):
            raise ValueError("lexical units must be given in chunk order")
        model = bm25s.BM25(k1=1.2, b=0.75)
        model.index([tokenize(t) for t in units], show_progress=False)
        counts = np.bincount(unit_chunk)
        if np.any(counts == 0):
            raise ValueError("every chunk needs at least one lexical unit")
        return cls(model, np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64))

    @property
    def vocabulary(self) -> dict[str, int]:
        return dict(self.model.vocab_dict)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (the best of its units; unknown words
        are ignored). Same figures as bm25s's ``get_scores`` followed by a per-chunk
        maximum, but only the units a query word occurs in are touched."""
        vocab = self.model.vocab_dict
        ids = [vocab[t] for t in tokenize(query) if t in vocab]
        out = np.zeros(len(self.starts), np.float32)
        if not ids:
            return out
        if self.model.nonoccurrence_array is not None:  # BM25L/BM25+: every unit scores
            units = np.asarray(self.model.get_scores(ids), dtype=np.float32)
            return np.maximum.reduceat(units, self.starts)
        matrix = self.model.scores
        indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
        unit = np.concatenate([indices[indptr[i] : indptr[i + 1]] for i in ids])
        score = np.concatenate([data[indptr[i] : indptr[i + 1]] for i in ids]).astype(np.float32)
        if len(ids) > 1:  # sum per unit over the query words (a word twice counts twice)
            if len(unit) < _SORT_MAX:
                order = np.argsort(unit, kind="stable")
                unit, score = unit[order], score[order]
                first = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
                unit, score = unit[first], np.add.reduceat(score, first)
            else:
                sums = np.bincount(unit, weights=score, minlength=len(self.unit_chunk))
                unit = np.flatnonzero(sums)
                score = sums[unit].astype(np.float32)
        if len(unit) == 0:
            return out
        chunk = self.unit_chunk[unit]  # ascending, since units are in chunk order
        first = np.flatnonzero(np.r_[True, chunk[1:] != chunk[:-1]])
        out[chunk[first]] = np.maximum.reduceat(score, first)
        return out

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)
        np.save(folder / "chunk_starts.npy", self.starts)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        model = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        return cls(model, np.load(folder / "chunk_starts.npy"))


_stemmer = stemmer  # the name tokenize() uses
