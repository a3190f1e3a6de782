"""The code hierarchy of a loaded index: descendants, ancestors, default children and the
codes instructional notes point to."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache, partial
from weakref import proxy

from assistant.conventions import residual, strip_default_values, term_stems
from assistant.knowledge.qualifiers import Group
from corpus.links import CodeRef
from corpus.records import SYSTEMS
from index.store import RecordStore

# words a sibling's title adds that distinguish nothing ("Other X", "X, specified")
_GENERIC_STEMS = term_stems("other specified unspecified classified elsewhere nec nos")
_UNSPECIFIED = re.compile(r"\b(?:unspecified|NOS)\b", re.IGNORECASE)
# "unspecified stage", "site unspecified": an axis left open, which a default child says
_AXIS = (
    r"(?:stage|side|site|part|type|organism|trimester|episode|severity|degree|location|"
    r"laterality|level|region|cause|encounter|kind|depth|grade|origin)"
)
_UNSPECIFIED_AXIS = re.compile(rf"\bunspecified {_AXIS}\b|\b{_AXIS},? unspecified\b")
# "unspecified ear", "of unspecified thigh", "unspecified metatarsal": the word an
# "unspecified" qualifies is an axis left open (side, site, part), which a default child says
_UNSPECIFIED_WORD = re.compile(r"(?<!\bwith )\bunspecified (?!and\b|or\b)[a-z()\-]+", re.IGNORECASE)


class CodeTree:
    """Codes of each system in sorted order, so that a code's descendants are a range."""

    def __init__(
        self,
        records: RecordStore,
        by_key: dict[tuple[str, str], int],
        groups: tuple[Group, ...] = (),
    ) -> None:
        self.records = records
        self.by_key = by_key
        self.groups = groups
        self._cores: dict[int, frozenset[str]] = {}  # titles do not change: once per code
        self._distinguishing: dict[int, frozenset[str] | None] = {}
        self.sorted_codes: dict[str, tuple[list[str], list[int]]] = {}
        for system in SYSTEMS:
            rows = [i for i, s in enumerate(records.systems) if s == system]
            rows.sort(key=lambda i: records.codes[i])
            self.sorted_codes[system] = ([records.codes[i] for i in rows], rows)
        # through a weak proxy: a bound method would make a cycle, which keeps an old index's
        # records (and their open file) alive after a reload until the cyclic GC runs
        self.default_child = lru_cache(maxsize=32768)(partial(CodeTree._default_child, proxy(self)))

    def row(self, system: str, code: str) -> int | None:
        return self.by_key.get((system, code))

    def descendants(self, system: str, code: str) -> list[int]:
        """Rows of codes that start with ``code`` (itself excluded)."""
        codes, rows = self.sorted_codes.get(system, ([], []))
        lo = bisect.bisect_right(codes, code)
        hi = bisect.bisect_left(codes, code + "\uffff")
        return rows[lo:hi]

    def ancestors(self, row: int) -> list[int]:
        """ICD-10-CM: the rows of the code's subcategories and category, nearest first."""
        system, code = self.records.systems[row], self.records.codes[row]
        if system != "ICD-10-CM":
            return []
        out = []
        prefix = code
        while len(prefix) > 3:
            prefix = prefix[:-1].rstrip(".")
            found = self.row(system, prefix)
            if found is not None:
                out.append(found)
        return out

    def _core(self, row: int) -> frozenset[str]:
        """A code's title stems without default markers and default qualifier values
        ("unspecified", "without complications", "not intractable", ...)."""
        found = self._cores.get(row)
        if found is None:
            name, title = self.records.terms(row)[0], self.records.titles[row]
            found = self._cores[row] = self._name_core(name, title)
        return found

    def _name_core(self, name: str, title: str) -> frozenset[str]:
        """The stems of an index name of a code (its first is the title without
        "unspecified") less default values and the axes its title leaves open."""
        lower = _UNSPECIFIED_AXIS.sub(" ", name.lower())
        found = term_stems(strip_default_values(lower, self.groups))
        open_axes = " ".join(
            [*_UNSPECIFIED_WORD.findall(title), *_UNSPECIFIED_AXIS.findall(title.lower())]
        )
        return found - term_stems(open_axes)

    def _default_child(self, row: int) -> int | None:
        """The billable descendant a coder takes when nothing more is said: the one whose
        title adds least to the parent's (the unspecified / uncomplicated child), the
        shallowest among equals. None for a billable code or one without children."""
        records = self.records
        if records.billable[row]:
            return None
        kids = [
            r
            for r in self.descendants(records.systems[row], records.codes[row])
            if records.billable[r]
        ]
        if not kids:
            return None
        if residual(records.titles[row]):
            return None  # "Other X" has no default: the query must name the other kind
        parent = self._core(row)

        title = records.titles[row].lower()

        def order(r: int) -> tuple[int, int, int, int, int]:
            # adds least; then is indexed under the parent's own title (G20.A1 under
            # "Parkinson's disease"); then leaves most open ("unspecified part of
            # unspecified bronchus or lung", not "unspecified main bronchus"); then shallowest
            named = 0 if title in (n.lower() for n in records.terms(r)) else 1
            unspecified = len(_UNSPECIFIED.findall(records.titles[r]))
            return (len(self._core(r) - parent), named, -unspecified, len(records.codes[r]), r)

        best = min(kids, key=order)
        return best if not self._core(best) - parent else None  # it must add nothing

    def distinguishing(self, row: int, limit: int) -> frozenset[str] | None:
        """The stems a coder looks for in the query before leaving a category's default
        child: what the names (titles and inclusion terms) of its other descendants add to
        the category's ("secondary to blood loss", "early dry stage", "[HFrEF]"), less what
        the default child's own names say. None without a default child or for a family of
        more than ``limit`` codes."""
        found = self._distinguishing.get(row)
        if found is not None or row in self._distinguishing:
            return found
        default = self.default_child(row)
        records = self.records
        kids = self.descendants(records.systems[row], records.codes[row])
        out: frozenset[str] | None = None
        if default is not None and len(kids) <= limit:
            parent = self._core(row)
            added: set[str] = set()
            for kid in kids:  # titles and inclusion terms ("... [HFrEF]")
                if kid != default:
                    # the title as written too: beside an "unspecified" default child, an
                    # "uncomplicated" one is a value of its own (F10.230), not a default
                    for name in dict.fromkeys([records.titles[kid], *records.terms(kid)]):
                        added |= self._name_core(name, records.titles[kid]) - parent
            said = term_stems(" ".join(records.terms(default)).lower())
            out = frozenset(added - said - _GENERIC_STEMS)
        self._distinguishing[row] = out
        return out

    def core(self, row: int) -> frozenset[str]:
        return self._core(row)

    def first_covered(self, system: str, ref: CodeRef) -> int | None:
        """The row of the code a reference names: the code itself, else the first code of
        the index that it covers (a range or a prefix such as "N18.1-N18.6")."""
        found = self.row(system, ref.first)
        if found is not None:
            return found
        codes, rows = self.sorted_codes.get(system, ([], []))
        i = bisect.bisect_left(codes, ref.first)
        if i < len(codes) and ref.covers(codes[i]):
            return rows[i]
        return None
