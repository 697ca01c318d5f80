"""The error types the data layer raises for a person to read.

Every message is complete on its own: it names the field (or file, row and
column) and says what is wrong, so a dialog or the command line can show it
as it is, without a traceback.
"""


class ClaimlogError(Exception):
    """Base class: ``str(exc)`` is the message to show."""


class ValidationError(ClaimlogError):
    """Input that a service refused; ``field`` names the form field."""

    def __init__(self, field: str, message: str, *, existing_id: int | None = None):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
        # Set when the input duplicates a record that already exists
        # (a source URL, say), so a form can open that record instead.
        self.existing_id = existing_id


class WorkflowError(ValidationError):
    """A status or verdict change that the workflow rules refuse.

    ``missing`` lists what would make it acceptable (``verdict``, ``evidence``,
    ``reason``), so the interface can offer to go there.
    """

    def __init__(self, field: str, message: str, missing: tuple[str, ...] = ()):
        super().__init__(field, message)
        self.missing = missing


class NotFoundError(ClaimlogError):
    pass


class DatabaseOpenError(ClaimlogError):
    """The file cannot be used as a Claimlog database; it was left untouched."""

    def __init__(self, path, message: str, kind: str = "other"):
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.kind = kind  # not_sqlite, foreign, newer, corrupt, locked, readonly, io


class StorageError(ClaimlogError):
    """A write failed in SQLite (disk full, I/O error, busy); it was rolled back."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code
