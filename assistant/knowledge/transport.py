"""Transport accidents (ICD-10-CM V00-V99) worded the way their titles are built.

A transport-accident title is composed of fixed parts: who was injured (the victim's
vehicle and role: "Car driver", "Pedal cycle passenger", "Pedestrian on foot"), what the
vehicle collided with ("in collision with car, pick-up truck or van", "with fixed or
stationary object") or "in noncollision transport accident", and whether it was a
"traffic accident" (on a public road: assumed unless another place is named, per the
tabular note at V00-V99) or a "nontraffic accident". A sentence of a note ("restrained
driver of a sedan struck by another passenger car on the interstate") names these parts in
its own words; ``rules/transport_accidents.json`` says which words name which part, and
:func:`transport_wording` writes the title the parts make, which is then searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.rules_file import read_rules, versioned

RULES_FILE = "rules/transport_accidents.json"


@dataclass(frozen=True)
class Victim:
    name: str
    words: re.Pattern[str]
    title: str  # with {role}
    roles: tuple[tuple[str, re.Pattern[str]], ...]
    default_role: str = ""  # when no role word is written ("": the first role)
    role_titles: tuple[tuple[str, str], ...] = ()  # a role's own wording ("Car driver")


@dataclass(frozen=True)
class Counterpart:
    words: re.Pattern[str]
    title: str
    car_title: str  # how the car-occupant blocks name it ("other type car"), or ""


@dataclass(frozen=True)
class TransportRules:
    victims: tuple[Victim, ...]
    counterparts: tuple[Counterpart, ...]
    collision: re.Pattern[str]
    noncollision: re.Pattern[str]
    nontraffic: re.Pattern[str]


def _words(value: object, where: str) -> re.Pattern[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise KnowledgeError(f"{RULES_FILE} {where}: expected a list of patterns")
    try:
        return re.compile(r"\b(?:" + "|".join(value) + r")\b", re.IGNORECASE)
    except re.error as exc:
        raise KnowledgeError(f"{RULES_FILE} {where}: {exc}") from exc


def parse_transport(data: object) -> TransportRules:
    rules = versioned(data, RULES_FILE)
    victims = []
    for i, v in enumerate(rules.get("victims") or []):
        where = f"victim {i + 1}"
        if not isinstance(v, dict) or not isinstance(v.get("title"), str):
            raise KnowledgeError(f"{RULES_FILE} {where}: needs a title")
        roles, titles = v.get("roles") or {}, v.get("role_titles") or {}
        if not isinstance(roles, dict) or not isinstance(titles, dict):
            raise KnowledgeError(f"{RULES_FILE} {where}: roles must be an object")
        victims.append(
            Victim(
                str(v.get("name", "")),
                _words(v.get("words"), where),
                v["title"],
                tuple((r, _words(words, f"{where} role {r}")) for r, words in roles.items()),
                str(v.get("default_role", "")),
                tuple((str(r), str(t)) for r, t in titles.items()),
            )
        )
    counterparts = []
    for i, c in enumerate(rules.get("counterparts") or []):
        if not isinstance(c, dict) or not isinstance(c.get("title"), str):
            raise KnowledgeError(f"{RULES_FILE} counterpart {i + 1}: needs a title")
        words = _words(c.get("words"), f"counterpart {i + 1}")
        counterparts.append(Counterpart(words, c["title"], str(c.get("car_title", ""))))
    if not victims or not counterparts:
        raise KnowledgeError(f"{RULES_FILE}: needs victims and counterparts")
    return TransportRules(
        tuple(victims),
        tuple(counterparts),
        _words(rules.get("collision"), "collision"),
        _words(rules.get("noncollision"), "noncollision"),
        _words(rules.get("nontraffic"), "nontraffic"),
    )


@lru_cache(maxsize=1)
def load_transport() -> TransportRules:
    return parse_transport(read_rules(RULES_FILE))


def _victim(text: str, rules: TransportRules) -> tuple[Victim, int] | None:
    """The injured person's vehicle: the one named first (a pedestrian wherever named)."""
    found = [(m.start(), v) for v in rules.victims for m in [v.words.search(text)] if m]
    if not found:
        return None
    walking = [(at, v) for at, v in found if not v.roles]
    at, victim = min(walking or found, key=lambda f: f[0])
    return victim, at


def transport_wording(sentence: str, rules: TransportRules | None = None) -> str:
    """The title wording of the transport accident ``sentence`` describes, or "" when it
    names no vehicle of the injured person or neither a collision nor a noncollision."""
    rules = rules or load_transport()
    found = _victim(sentence, rules)
    if found is None:
        return ""
    victim, at = found
    role = next((r for r, words in victim.roles if words.search(sentence)), None)
    if role is None:
        role = victim.default_role or (victim.roles[0][0] if victim.roles else "")
    who = dict(victim.role_titles).get(role) or victim.title.format(role=role)
    traffic = "nontraffic" if rules.nontraffic.search(sentence) else "traffic"
    hit = rules.collision.search(sentence)
    if hit is not None:
        after = sentence[hit.start() :]
        # what it collided with: named after the collision word, not the victim's vehicle
        other = min(
            (
                (m.start(), c)
                for c in rules.counterparts
                for m in c.words.finditer(after)
                if hit.start() + m.start() != at
            ),
            key=lambda f: f[0],
            default=None,
        )
        if other is not None:
            c = other[1]
            name = c.car_title if victim.name == "car" and c.car_title else c.title
            return f"{who} injured in collision with {name} in {traffic} accident"
    if rules.noncollision.search(sentence):
        return f"{who} injured in noncollision transport accident in {traffic} accident"
    return ""
