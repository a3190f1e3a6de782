"""The rule files of ``assistant/knowledge/rules/``: plain JSON objects with a version,
read from the package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from assistant.errors import KnowledgeError

RULES_VERSION = 1


def read_rules(name: str) -> object:
    """The parsed JSON of a packaged rule file (``name`` relative to the knowledge package)."""
    return json.loads(resources.files("assistant.knowledge").joinpath(name).read_text("utf-8"))


def versioned(data: object, name: str) -> dict[str, Any]:
    """``data`` as a rule file's object, refused unless it has the version this code reads."""
    if not isinstance(data, dict) or data.get("version") != RULES_VERSION:
        raise KnowledgeError(f"{name}: expected an object with version {RULES_VERSION}")
    return data
