"""Errors that reach the user as one-line messages, never tracebacks."""


class SearchError(Exception):
    """Base class: `str(error)` is the message shown to the user."""


class SourceError(SearchError):
    """A source file that cannot be read or parsed; names the file and the reason."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class NotFound(SearchError):
    """No such item, issue, group or file in the index."""


class IndexUnwritable(SearchError):
    """The index folder cannot be written (disk full, read-only, removed) before the commit:
    the previous index is as it was."""

    def __init__(self, index_dir, error: OSError):
        super().__init__(f"{index_dir}: cannot write the index ({error.strerror or error}); "
                         f"the previous index is unchanged")
