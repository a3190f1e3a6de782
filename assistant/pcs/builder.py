"""From what a query says about each axis to valid ICD-10-PCS codes.

Retrieval finds the tables (section, body system, root operation) the query is about; the
builder then walks every valid code of those tables and scores each axis against the
query: the root operation it names, how much of the body part's name it says, the
approach, a device only when one is named ("No Device" otherwise), "Diagnostic" only for a
biopsy. An axis the query does not decide is reported as open, with its valid choices.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from assistant.knowledge.usual_approach import by_table, load_usual_approaches, usual_approach
from assistant.pcs.reading import (
    APPROACH_STEMS,
    NO_VALUE,
    Reading,
    device_stems,
    meaning_stems,
    side_of,
)
from assistant.weights import WEIGHTS, Weights
from corpus.pcs_axes import AxisValue, PcsTables

AXIS_NAMES = ("operation", "body_part", "approach", "device", "qualifier")
_SURGICAL = "01"  # Medical and Surgical; Obstetrics
_MEASUREMENT = "4"  # Measurement and Monitoring
_NEW_TECHNOLOGY_GROUP = re.compile(r"New Technology Group \d+$")
# body parts seen through the mouth without instruments, by body system (Mouth and Throat:
# lips, palate, buccal mucosa, gingiva, tongue, uvula, tonsils, adenoids, teeth)
_VISIBLE_IN_ORIFICE = {"0C": "0134567NPQWX"}
# approaches a text may name for such a part that the guideline codes External: a cut, or
# "through the mouth"
_ORIFICE_OVERRIDDEN = frozenset({"Open", "Via Natural or Artificial Opening"})
# heart and great vessels, upper and lower arteries and veins: a vessel widened, stented,
# filtered, blocked or narrowed from inside, or a catheter or lead put in, is reached
# through the skin (endovascular) unless the query says otherwise (an open arteriotomy)
_VASCULAR_SYSTEMS = frozenset({"02", "03", "04", "05", "06"})
_ENDOVASCULAR_OPERATIONS = "7HLV"  # Dilation, Insertion, Occlusion, Restriction
_PERCUTANEOUS = "3"
_NATURAL = "7"  # Via Natural or Artificial Opening
_DRAINAGE, _DRAINAGE_DEVICE = "9", "0"
_IMPLANTED_OPEN = frozenset({"Implantable Heart Assist System"})  # sewn in through the chest


_HOURS = re.compile(
    r"\b(?:less than (?P<below>\d+)|greater than (?P<above>\d+)|(?P<low>\d+)-(?P<high>\d+))"
    r"[^,]*\bhours?\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def hour_range(meaning: str) -> tuple[float, float] | None:
    """The hours a duration value covers ("Less than 24 Consecutive Hours": 0-24), None
    for a value that is no duration."""
    m = _HOURS.search(meaning)
    if m is None:
        return None
    if m.group("below"):
        return (0.0, float(m.group("below")))
    if m.group("above"):
        return (float(m.group("above")), math.inf)
    return (float(m.group("low")), float(m.group("high")))


def _contrast_said(axis: AxisValue, contrast: str) -> bool | None:
    """Whether an imaging axis value agrees with the contrast the query names (None: the
    value says nothing of contrast). "With and without" is the Unenhanced and Enhanced
    qualifier with a contrast agent."""
    if axis.name == "Contrast":
        return (axis.meaning == "None") == (contrast == "without")
    if axis.meaning == "Unenhanced and Enhanced":
        return contrast == "both"
    if contrast == "both" and axis.name == "Qualifier" and axis.position == 6:
        return False  # "None" where "with and without" asks for Unenhanced and Enhanced
    return None


@dataclass(frozen=True)
class AxisFit:
    """How one code's axes fit the query: a score per axis (positions 3-7) and the
    query words that decided each."""

    scores: tuple[float, ...]
    evidence: tuple[str, ...]

    @property
    def total(self) -> float:
        return sum(self.scores)


class Builder:
    def __init__(self, tables: PcsTables, weights: Weights = WEIGHTS) -> None:
        self.tables = tables
        self.w = weights
        self.usual = by_table(load_usual_approaches())
        self._parts: dict[str, tuple[str, list[frozenset[str]]]] | None = None
        self._axes_of: dict[str, tuple[AxisValue, ...]] = {}  # the codes' axes, as used
        self._diagnostic: dict[str, bool] = {}  # 6-character prefix -> Diagnostic offered
        self._approach_values: dict[str, frozenset[str]] = {}  # body part -> approaches
        self._judges = (
            self._operation,
            self._body_part,
            self._approach,
            self._device,
            self._qualifier,
        )

    def fit(self, code: str, reading: Reading) -> AxisFit:
        """Each axis scored once per query and value (codes of a table share values)."""
        axes = self._axes(code)
        memo = reading.memo
        parts = []
        for axis, judge in zip(axes[2:], self._judges, strict=True):
            key = (axis.position, axis.meaning)
            if key not in memo:
                memo[key] = judge(axis, reading)
            parts.append(memo[key])
        if reading.diagnostic and axes[6].meaning in NO_VALUE and not self._diagnosable(code):
            # a diagnostic procedure is asked for and this code's table offers no
            # Diagnostic qualifier: it is diagnostic by itself (an Inspection, an imaging)
            parts[4] = (self.w.pcs_qualifier, "diagnostic")
        if reading.approach in _ORIFICE_OVERRIDDEN and self._in_orifice(code):
            # guideline B5.2: a structure visible within an orifice is reached External,
            # whatever the note says of cutting ("tonsillectomy by cold knife dissection")
            parts[2] = (self.w.pcs_approach_match if code[4] == "X" else 0.0, "External")
        if not reading.approach:
            score, evidence = parts[2]
            known = usual_approach(code, self.usual)
            if known is not None:
                # the way the procedure is usually done ("an intubation goes through the
                # mouth") moves up a little, the table's other approaches move down (they
                # stay open to a query that names them)
                if code[4] == known.approach:
                    parts[2] = (score + self.w.pcs_usual_approach, f"{USUALLY}{known.why}")
                else:
                    parts[2] = (score + self.w.pcs_unusual_approach, evidence)
            elif code[0] not in _SURGICAL and axes[4].meaning == "Open":
                # outside the surgical sections an Open approach means "during open
                # surgery", which the query would say: with no approach named, not the guess
                parts[2] = (score + self.w.pcs_open_unsaid, evidence)
            elif code[0] == _MEASUREMENT and axes[4].meaning == "External":
                # a measurement or monitoring is taken from outside unless the query
                # names a catheter, needle or scope
                parts[2] = (score + self.w.pcs_measurement_external, "External")
            elif code[4] == "X" and self._in_orifice(code):
                # guideline B5.2: a procedure within an orifice on a structure visible
                # without instruments is External (a tonsillectomy)
                parts[2] = (score + self.w.pcs_orifice_external, "External")
            elif code[0] == "0" and code[2] == _DRAINAGE and code[5] == _DRAINAGE_DEVICE:
                # a drain left in: through a natural opening where the part has one (a
                # Foley, an NG tube, ear tubes), else through the skin (a chest tube)
                usual = _NATURAL if _NATURAL in self._approaches(code) else _PERCUTANEOUS
                if code[4] == usual:
                    parts[2] = (score + self.w.pcs_endovascular_usual, "usual for a drain")
            elif (
                code[:2] in _VASCULAR_SYSTEMS
                and code[2] in _ENDOVASCULAR_OPERATIONS
                and code[4] == _PERCUTANEOUS
                and axes[5].meaning not in _IMPLANTED_OPEN
            ):
                parts[2] = (score + self.w.pcs_endovascular_usual, "endovascular")
        if reading.hours is not None:
            # a duration axis value ("24-96 Consecutive Hours") holds the stated duration
            for i, axis in enumerate(axes[2:]):
                span = hour_range(axis.meaning)
                if span is not None:
                    inside = span[0] <= reading.hours <= span[1]
                    score, evidence = parts[i]
                    w = self.w.pcs_duration_match if inside else self.w.pcs_duration_conflict
                    parts[i] = (score + w, f"{reading.hours:g} hours" if inside else evidence)
        if reading.contrast is not None:
            for i, axis in enumerate(axes[2:]):
                said = _contrast_said(axis, reading.contrast)
                if said is not None:
                    score, evidence = parts[i]
                    w = self.w.pcs_contrast_match if said else self.w.pcs_contrast_conflict
                    parts[i] = (score + w, f"{reading.contrast} contrast" if said else evidence)
        return AxisFit(tuple(p[0] for p in parts), tuple(p[1] for p in parts))

    def _approaches(self, code: str) -> frozenset[str]:
        """The approach values the code's body part offers in its table."""
        found = self._approach_values.get(code[:4])
        if found is None:
            found = self._approach_values[code[:4]] = frozenset(self.tables.children(code[:4]))
        return found

    @staticmethod
    def _in_orifice(code: str) -> bool:
        """A body part seen within an orifice without instruments (Mouth and Throat)."""
        return code[3] in _VISIBLE_IN_ORIFICE.get(code[:2], "")

    def _diagnosable(self, code: str) -> bool:
        """Whether the code's first six characters can end in the Diagnostic qualifier."""
        found = self._diagnostic.get(code[:6])
        if found is None:
            found = self._diagnostic[code[:6]] = any(
                v.meaning == "Diagnostic" for v in self.tables.children(code[:6]).values()
            )
        return found

    def _axes(self, code: str) -> tuple[AxisValue, ...]:
        found = self._axes_of.get(code)
        if found is None:
            found = self._axes_of[code] = self.tables.axes(code)
        return found

    # -- one axis each: (score, the words that decided it) -----------------------------
    def _operation(self, axis: AxisValue, r: Reading) -> tuple[float, str]:
        op = axis.meaning.lower()
        if not r.operations or not op:
            return 0.0, ""
        if op in r.operations:
            return self.w.pcs_operation_match * r.operations[op], op
        return self.w.pcs_operation_conflict * max(r.operations.values()), ""

    def _body_part(self, axis: AxisValue, r: Reading) -> tuple[float, str]:
        side = 0.0
        found = side_of(axis.meaning)
        if r.side and found:
            side = self.w.side_match if found == r.side else self.w.side_conflict
            if r.side == "bilateral" and found != "bilateral":
                # a table with a bilateral value prefers it (side_match); in one without,
                # each side is coded (guideline B4.3), so a side does not contradict
                side = 0.0
        stems = meaning_stems(axis.meaning)
        if not stems:
            return side, ""
        share = r.said(stems)
        if stems in r.within:
            # a general value holding the part the query names: enough where the table
            # has nothing better ("colon": Lower Intestinal Tract), less than the part
            # itself ("sigmoid colectomy": not the Large Intestine)
            return side + self.w.pcs_body_part * self.w.pcs_body_part_within, axis.meaning
        if not share:
            return side + self.w.pcs_body_part_missing, ""
        return side + self.w.pcs_body_part * share, " ".join(sorted(stems & r.stems))

    def _approach(self, axis: AxisValue, r: Reading) -> tuple[float, str]:
        if not r.approach or not axis.meaning or axis.name != "Approach":
            return 0.0, ""
        if axis.meaning == r.approach:
            return self.w.pcs_approach_match, r.approach
        return self.w.pcs_approach_conflict, ""

    def _device(self, axis: AxisValue, r: Reading) -> tuple[float, str]:
        if axis.meaning in NO_VALUE:
            return (self.w.pcs_device_unnamed if r.device else 0.0), ""
        stems = device_stems(axis.meaning, r.operation_stems, r.part_words)
        # the approach's words name no device ("external approach" is no External Fixation
        # Device), as when the reading tells whether a device is named at all
        stems = (stems - APPROACH_STEMS) or stems
        share = r.said(stems)
        if share:
            return self.w.pcs_device * share, " ".join(sorted(stems & r.stems))
        return self.w.pcs_device_unasked, ""

    def _qualifier(self, axis: AxisValue, r: Reading) -> tuple[float, str]:
        if axis.meaning in NO_VALUE or _NEW_TECHNOLOGY_GROUP.match(axis.meaning):
            # a New Technology group names the year a technology came in: never asked
            return (self.w.pcs_qualifier_unasked if r.diagnostic else 0.0), ""
        if axis.meaning == "Diagnostic":
            if r.diagnostic:
                return self.w.pcs_qualifier, "diagnostic"
            return self.w.pcs_qualifier_unasked, ""
        stems = meaning_stems(axis.meaning)
        share = r.said(stems)
        # a qualifier of several words needs more than one of them: "balloon" alone (the
        # dilation's own tool) is no "Drug-Coated Balloon"; one naming a body part (a
        # bypass's destination, "Lower Arm Vein") is said as body parts are
        several = len(stems) >= self.w.pcs_qualifier_several and not stems <= r.part_words
        if share and (not several or share >= self.w.pcs_qualifier_min_share):
            return self.w.pcs_qualifier * share, " ".join(sorted(stems & r.stems))
        return self.w.pcs_qualifier_other, ""

    # -- tables -> codes ---------------------------------------------------------------
    def expand(
        self,
        scored: dict[str, float],
        reading: Reading,
        codes_of: Callable[[str], Iterable[str]],
    ) -> dict[str, float]:
        """Every valid code of the leading tables of ``scored`` (PCS code -> retrieval
        score), each scored as its retrieval score (or, not retrieved, that of its best
        retrieved sibling in the table less a gap) plus its axis fit."""
        w = self.w
        best_table: dict[str, float] = {}
        ordered = sorted(scored.items(), key=lambda kv: -kv[1])
        floor = ordered[0][1] - w.pcs_table_margin if ordered else 0.0
        for code, score in ordered:
            if score < floor or len(best_table) >= w.pcs_tables:
                break
            best_table.setdefault(code[:3], score)
        if best_table:  # tables the query names by operation and body part, not retrieved
            top = max(best_table.values()) - w.pcs_named_table_gap
            for table in self.named_tables(reading):
                best_table.setdefault(table, top)
        best_part: dict[str, float] = {}
        for code, score in scored.items():
            best_part[code[:4]] = max(best_part.get(code[:4], score), score)
        out: dict[str, float] = {}
        for table, base in best_table.items():
            for code in codes_of(table):
                # retrieval picks the table; the code's own retrieval score and its body
                # part's best help; the axes decide the rest
                part = best_part.get(code[:4], base - w.pcs_sibling_gap)
                own = scored.get(code, part - w.pcs_sibling_gap)
                start = (
                    w.pcs_own_share * own
                    + w.pcs_part_share * part
                    + (1 - w.pcs_own_share - w.pcs_part_share) * base
                )
                out[code] = start + self.fit(code, reading).total
        for code, score in scored.items():  # retrieved codes of other tables keep theirs
            out.setdefault(code, score + self.fit(code, reading).total)
        return out

    def named_tables(self, reading: Reading) -> list[str]:
        """Tables whose root operation the query names (at least as firmly as
        ``pcs_named_table_strength``: a word, the lexicon, word formation or a device
        named without a verb) and which hold a body part the query's own words name (most
        of its name, or a part a general value holds)."""
        firm = {
            op
            for op, strength in reading.operations.items()
            if strength >= self.w.pcs_named_table_strength
        }
        if not firm:
            return []
        out = []
        for table, (op, parts) in self._table_parts().items():
            if op in firm and any(
                (stems & reading.written and reading.said(stems) >= NAMED_SHARE)
                or stems in reading.within
                for stems in parts
            ):
                out.append(table)
        return out[: self.w.pcs_tables]

    def _table_parts(self) -> dict[str, tuple[str, list[frozenset[str]]]]:
        if self._parts is None:
            parts: dict[str, tuple[str, list[frozenset[str]]]] = {}
            for table in self.tables.tables():
                values = self.tables.children(table.code).values()
                stems = [s for s in (meaning_stems(v.meaning) for v in values) if s]
                parts[table.code] = (table.axes[2].meaning.lower(), stems)
            self._parts = parts
        return self._parts


NAMED_SHARE = 0.99  # the query says (nearly) all of a body part's name


@dataclass(frozen=True)
class OpenAxis:
    position: int
    name: str
    choices: tuple[AxisValue, ...]


@dataclass(frozen=True)
class Built:
    """A built code: its axes with the query words that determined each, and the axes
    the query leaves open among the best codes of its table (with the valid choices)."""

    code: str
    axes: tuple[AxisValue, ...]
    determined_by: tuple[str, ...]  # per position 1..7 ("" when not decided by the query)
    open_axes: tuple[OpenAxis, ...]


# the evidence of an axis value the query leaves open but practice decides
USUALLY = "usually: "


def explain(
    tables: PcsTables,
    builder: Builder,
    reading: Reading,
    ranked: list[tuple[str, float]],
    margin: float,
) -> Built | None:
    """The best code of ``ranked`` (code, score; best first) with the query words that
    determined each axis. An axis is open when the query says nothing of it and a code
    of the same table that differs there scores within ``margin`` of the best: the valid
    choices after the best code's earlier characters are listed."""
    if not ranked:
        return None
    best, top = ranked[0]
    fit = builder.fit(best, reading)
    axes = tables.axes(best)
    determined = ["", "", *fit.evidence]  # section and body system follow from the table
    open_axes = []
    for position in range(4, 8):
        said = fit.evidence[position - 3]
        if said and not said.startswith(USUALLY):
            continue
        # an approach taken as the usual one is still open: the query did not say it
        rival = bool(said) or any(
            code[:3] == best[:3]
            and code[position - 1] != best[position - 1]
            and top - score <= margin
            for code, score in ranked[1:]
        )
        choices = tables.children(best[: position - 1])
        if rival and len(choices) > 1:
            open_axes.append(OpenAxis(position, axes[position - 1].name, tuple(choices.values())))
    return Built(best, axes, tuple(determined), tuple(open_axes))
