"""The root of every medcode exception, and the corpus layer's own.

Each layer has one error tree under ``MedcodeError`` (defined here, in the bottom layer,
so that every layer can import it one way): ``corpus.errors.CorpusError``,
``index.errors.IndexStoreError``, ``assistant.errors.AssistantError`` and
``api.errors.ApiError``. ``except MedcodeError`` catches any of them.

    MedcodeError
    └── CorpusError
        ├── SourceNotFoundError   a code-set file or documents folder that does not exist
        └── SourceFormatError     a code-set file that cannot be parsed at all

A single bad *document* never raises: it becomes a :class:`corpus.records.LoadWarning`.
"""


class MedcodeError(Exception):
    """Base class for every error medcode raises (one subtree per layer)."""


class CorpusError(MedcodeError):
    """Base class for every corpus error."""


class SourceNotFoundError(CorpusError):
    """A path given for a code set or documents folder does not exist."""


class SourceFormatError(CorpusError):
    """A code-set file is not in the expected format."""
