"""Laboratory values read as the condition they name (``rules/lab_values.json``): "K 6.4" is
hyperkalemia, "Na 125" hyponatremia, "plt 40k" thrombocytopenia. A value inside its
reference range names nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.rules_file import read_rules, versioned

LAB_VALUES_FILE = "rules/lab_values.json"
# a value after its analyte: "K 6.4", "Na: 125", "plt of 40k", "K was 2.9", "glucose=45"
_VALUE = r"\s*(?:[:=]|\bof\b|\bis\b|\bwas\b|\bat\b)?\s*(?P<value>\d+(?:[.,]\d+)*)\s*(?:k\b)?"


@dataclass(frozen=True)
class LabRule:
    analyte: str
    pattern: re.Pattern[str]  # the analyte's names followed by a value
    low: float | None
    high: float | None
    below: str | None
    above: str | None
    thousands: bool
    plausible: tuple[float, float]  # the values a result of this analyte can take

    def reading(self, value: float) -> str | None:
        """The condition ``value`` names, if it lies outside the reference range."""
        if not self.plausible[0] <= value <= self.plausible[1]:
            return None  # "breast ca 2015": a year, not a calcium
        if self.low is not None and value < self.low:
            return self.below
        if self.high is not None and value > self.high:
            return self.above
        return None


def _limit(value: object, where: str, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KnowledgeError(f"{where}: {field!r} must be a number or null")
    return float(value)


def parse_lab_rules(data: object, name: str = LAB_VALUES_FILE) -> tuple[LabRule, ...]:
    data = versioned(data, name)
    out = []
    for i, entry in enumerate(data.get("entries", [])):
        where = f"{name} entry {i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("analyte"), str):
            raise KnowledgeError(f"{where}: expected an object with an 'analyte'")
        names = entry.get("names")
        if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
            raise KnowledgeError(f"{where}: 'names' must be a list of patterns")
        low, high = _limit(entry.get("low"), where, "low"), _limit(entry.get("high"), where, "high")
        below, above = entry.get("below"), entry.get("above")
        if (low is None) != (below is None) or (high is None) != (above is None):
            raise KnowledgeError(f"{where}: each limit needs the condition beyond it")
        plausible = entry.get("plausible")
        if not (
            isinstance(plausible, list)
            and len(plausible) == 2
            and all(isinstance(v, int | float) for v in plausible)
        ):
            raise KnowledgeError(f"{where}: 'plausible' must be [lowest, highest]")
        pattern = re.compile(rf"\b(?:{'|'.join(names)}){_VALUE}", re.IGNORECASE)
        thousands = bool(entry.get("thousands"))
        span = (float(plausible[0]), float(plausible[1]))
        out.append(LabRule(entry["analyte"], pattern, low, high, below, above, thousands, span))
    return tuple(out)


@lru_cache(maxsize=1)
def load_lab_rules() -> tuple[LabRule, ...]:
    return parse_lab_rules(read_rules(LAB_VALUES_FILE))


def lab_readings(text: str, rules: tuple[LabRule, ...]) -> list[tuple[int, int, str]]:
    """(start, end, condition) of each value in ``text`` outside its reference range."""
    out = []
    for rule in rules:
        for m in rule.pattern.finditer(text):
            written = m.group("value").replace(",", "")
            try:
                value = float(written)
            except ValueError:
                continue
            if rule.thousands and value >= 1000:  # "40,000" is written "40k" too
                value /= 1000
            condition = rule.reading(value)
            if condition is not None:
                out.append((m.start(), m.end(), condition))
    return out
