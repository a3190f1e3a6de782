"""Exceptions raised by the corpus layer.

    CorpusError
    ├── SourceNotFoundError   a code-set file or documents folder that does not exist
    └── SourceFormatError     a code-set file that cannot be parsed at all

A single bad *document* never raises: it becomes a :class:`corpus.records.LoadWarning`.
"""


class CorpusError(Exception):
    """Base class for every corpus error."""


class SourceNotFoundError(CorpusError):
    """A path given for a code set or documents folder does not exist."""


class SourceFormatError(CorpusError):
    """A code-set file is not in the expected format."""
