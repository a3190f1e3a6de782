"""Code families a coder assigns only when the documentation says so
(``rules/code_gates.json``): injury codes need an injury, drug-event codes a drug event,
obstetric codes a pregnancy, perinatal codes a newborn, a manifestation code ("... in
diseases classified elsewhere") an underlying condition ... A gate is a pattern on codes
or on titles, and the words that open it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.qualifiers import whole_words
from assistant.knowledge.rules_file import read_rules, versioned

GATES_FILE = "rules/code_gates.json"


@dataclass(frozen=True)
class Gate:
    name: str
    codes: re.Pattern[str] | None
    words: re.Pattern[str]
    titles: re.Pattern[str] | None = None

    def covers(self, code: str, title: str) -> bool:
        return bool(
            (self.codes is not None and self.codes.search(code))
            or (self.titles is not None and self.titles.search(title))
        )


def parse_gates(data: object, name: str = GATES_FILE) -> tuple[Gate, ...]:
    data = versioned(data, name)
    out = []
    for i, g in enumerate(data.get("gates", [])):
        where = f"{name} gate {i + 1}"
        if not isinstance(g, dict) or not isinstance(g.get("name"), str):
            raise KnowledgeError(f"{where}: needs a 'name'")
        codes, titles, words = g.get("codes"), g.get("titles"), g.get("words")
        patterns = [p for p in (codes, titles) if p is not None]
        if (
            not patterns
            or not all(isinstance(p, str) for p in patterns)
            or not words
            or not all(isinstance(w, str) for w in words)
        ):
            raise KnowledgeError(
                f"{where}: needs 'codes' or 'titles' (patterns) and a list of 'words'"
            )
        try:
            code_pattern = re.compile(codes) if isinstance(codes, str) else None
            title_pattern = re.compile(titles, re.IGNORECASE) if isinstance(titles, str) else None
        except re.error as exc:
            raise KnowledgeError(f"{where}: bad pattern ({exc})") from exc
        out.append(Gate(g["name"], code_pattern, whole_words(words, where), title_pattern))
    return tuple(out)


@lru_cache(maxsize=1)
def load_gates() -> tuple[Gate, ...]:
    return parse_gates(read_rules(GATES_FILE))


def shut_gates(gates: tuple[Gate, ...], lower_text: str) -> tuple[Gate, ...]:
    """The gates a text leaves shut (none of their words in it)."""
    return tuple(g for g in gates if not g.words.search(lower_text))


def gated(code: str, shut: tuple[Gate, ...], title: str = "") -> str | None:
    """The name of the shut gate ``code`` (with its ``title``) is behind, if any."""
    return next((g.name for g in shut if g.covers(code, title)), None)
