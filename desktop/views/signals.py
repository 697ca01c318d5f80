"""One QObject that tells every view what changed, so each refreshes only that."""

from PySide6.QtCore import QObject, Signal


class DataSignals(QObject):
    claims_changed = Signal(list)  # claim ids whose rows or details changed ([] = many/unknown)
    claims_added = Signal(list)
    claims_removed = Signal(list)  # trashed, restored or purged: they left the current list
    sources_changed = Signal(list)
    database_replaced = Signal()  # another file opened, a restore, a large import: reload everything
