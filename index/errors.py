"""Exceptions raised by the index layer (under ``corpus.errors.MedcodeError``).

IndexStoreError
├── IndexNotFoundError    no index at the given directory
├── IndexCorruptError     a file is missing, truncated or fails its checksum
├── ModelMismatchError    the index was built with another embedding model
├── IndexWriteError       the index directory cannot be written (read-only, disk full)
└── EmbedderError         the embedding model cannot be loaded
"""

from corpus.errors import MedcodeError


class IndexStoreError(MedcodeError):
    """Base class for every index error."""


class IndexNotFoundError(IndexStoreError):
    """No index has been built at this directory."""


class IndexCorruptError(IndexStoreError):
    """An index file is missing or does not match the manifest."""


class ModelMismatchError(IndexStoreError):
    """The configured embedding model is not the one the index was built with."""


class IndexWriteError(IndexStoreError):
    """The index could not be written."""


class EmbedderError(IndexStoreError):
    """The embedding model could not be found or loaded."""
