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
