"""Exceptions raised by the assistant layer (under ``corpus.errors.MedcodeError``; HTTP
status codes are chosen in ``api/``).

AssistantError
├── QueryError          an empty, too long or otherwise unusable query or note
├── UnknownSystemError  a code system name that medcode does not know
├── UnknownCodeError    a code that is not in the index
└── KnowledgeError      a curated knowledge file (lexicon, rules) that cannot be read
"""

from corpus.errors import MedcodeError


class AssistantError(MedcodeError):
    """Base class for every assistant error."""


class QueryError(AssistantError, ValueError):
    """The query (or note) cannot be searched as given."""


class UnknownSystemError(AssistantError, ValueError):
    """Not one of CPT, HCPCS, ICD-10-CM, ICD-10-PCS."""


class UnknownCodeError(AssistantError, LookupError):
    """The code is not in the index."""


class KnowledgeError(AssistantError, ValueError):
    """A packaged knowledge file is malformed (names the file and entry)."""
