"""Undoable changes to claims and sources: QUndoCommands that call the services.

A command runs once through ``run(command, undo_stack)`` *before* it is
pushed: if the service refuses (a ValidationError, a full disk...), the
exception reaches the caller, which shows it, and nothing lands on the stack.
Once on the stack, ``undo()`` and ``redo()`` call the services again; if one
of those fails (the claim was purged meanwhile, the disk is full), the error
is shown through ``report_error`` and the command marks itself obsolete, so
``QUndoStack`` drops it and the stack never claims a state the database is
not in.

Every command tells the views what changed through ``DataSignals``.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import services
from desktop.errors import ClaimlogError, NotFoundError
from desktop.models import Claim

log = logging.getLogger(__name__)


def report_error(title: str, message: str) -> None:
    """Tell the person an undo or redo failed (tests patch this)."""
    QMessageBox.warning(QApplication.activeWindow(), title, message)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


class ClaimCommand(QUndoCommand):
    """Base: ``apply()`` and ``revert()`` do the work; the first run happens in ``run``."""

    def __init__(self, label: str, signals=None):
        super().__init__(label)
        self.signals = signals
        self._skip_next_redo = False

    # Subclasses implement these two; both may raise ClaimlogError.
    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._skip_next_redo:  # QUndoStack.push calls redo(); run() already applied it
            self._skip_next_redo = False
            return
        self._guarded(self.apply, "Redo failed")

    def undo(self) -> None:
        self._guarded(self.revert, "Undo failed")

    def _guarded(self, func, title: str) -> None:
        try:
            func()
        except ClaimlogError as exc:
            log.warning("%s: %s: %s", title, self.text(), exc)
            self.setObsolete(True)
            report_error(title, f"{self.text()}: {exc}\n\nThis step was removed from the undo history.")

    def is_noop(self) -> bool:
        """True when applying changed nothing (then it is not pushed)."""
        return False

    def _emit(self, name: str, ids) -> None:
        if self.signals is not None:
            getattr(self.signals, name).emit(list(ids))


def run(command: ClaimCommand, undo_stack=None) -> ClaimCommand:
    """Apply ``command`` now (raising on refusal), then push it if there is a stack."""
    command.apply()
    if undo_stack is not None and not command.is_noop():
        command._skip_next_redo = True
        undo_stack.push(command)
    return command


def _require(claim_id: int) -> None:
    if not Claim.select().where(Claim.id == claim_id).exists():
        raise NotFoundError(f"claim #{claim_id} no longer exists (the trash was emptied).")


class CreateClaimCommand(ClaimCommand):
    """Create a claim; undo moves it to the trash, redo brings it back."""

    def __init__(self, data: services.ClaimInput, signals=None):
        super().__init__("New claim", signals)
        self.data = data
        self.claim_id: int | None = None

    def apply(self) -> None:
        if self.claim_id is None:
            self.claim_id = services.create_claim(self.data).id
            self.setText(f"New claim #{self.claim_id}")
            self._emit("claims_added", [self.claim_id])
            return
        _require(self.claim_id)
        services.restore_claims([self.claim_id])
        self._emit("claims_removed", [self.claim_id])

    def revert(self) -> None:
        _require(self.claim_id)
        services.trash_claims([self.claim_id])
        self._emit("claims_removed", [self.claim_id])


class EditClaimCommand(ClaimCommand):
    """Replace a claim's fields; undo writes the old values back."""

    def __init__(self, claim_id: int, old: services.ClaimInput, new: services.ClaimInput, signals=None):
        super().__init__(f"Edit claim #{claim_id}", signals)
        self.claim_id = claim_id
        self.old = old
        self.new = new

    def _write(self, data: services.ClaimInput) -> None:
        _require(self.claim_id)
        services.update_claim(self.claim_id, data)
        self._emit("claims_changed", [self.claim_id])

    def apply(self) -> None:
        self._write(self.new)

    def revert(self) -> None:
        self._write(self.old)


def _ids_where(ids, in_trash: bool) -> list[int]:
    query = Claim.select(Claim.id).where(Claim.id.in_(list(ids)), Claim.deleted_at.is_null(not in_trash))
    return [cid for (cid,) in query.tuples()]


class _MoveCommand(ClaimCommand):
    """Trash or restore a set of claims; remembers which ones actually moved."""

    to_trash = True

    def __init__(self, claim_ids, signals=None):
        ids = sorted(set(int(i) for i in claim_ids))
        verb = "Move" if self.to_trash else "Restore"
        where = " to the trash" if self.to_trash else " from the trash"
        super().__init__(f"{verb} {_plural(len(ids), 'claim', 'claims')}{where}", signals)
        self.requested = ids
        self.moved: list[int] = []

    def _move(self, ids, to_trash: bool) -> None:
        missing = set(ids) - {cid for (cid,) in Claim.select(Claim.id).where(Claim.id.in_(ids)).tuples()}
        if missing:
            raise NotFoundError(f"{_plural(len(missing), 'claim no longer exists', 'claims no longer exist')} "
                                "(the trash was emptied).")
        (services.trash_claims if to_trash else services.restore_claims)(ids)
        self._emit("claims_removed", ids)

    def apply(self) -> None:
        if not self.moved:  # first run: only the claims that are not there yet
            self.moved = _ids_where(self.requested, in_trash=not self.to_trash)
            self.setText(self.text().replace(_plural(len(self.requested), "claim", "claims"),
                                             _plural(len(self.moved), "claim", "claims")))
        if self.moved:
            self._move(self.moved, self.to_trash)

    def revert(self) -> None:
        if self.moved:
            self._move(self.moved, not self.to_trash)

    def is_noop(self) -> bool:
        return not self.moved


class TrashClaimsCommand(_MoveCommand):
    to_trash = True


class RestoreClaimsCommand(_MoveCommand):
    to_trash = False


class EditSourceCommand(ClaimCommand):
    """Replace a source's fields (archives included); undo writes the old ones back."""

    def __init__(self, source_id: int, old: services.SourceInput, new: services.SourceInput, signals=None):
        title = (new.title or new.url or f"#{source_id}")[:40]
        super().__init__(f"Edit source \u201c{title}\u201d", signals)
        self.source_id = source_id
        self.old = old
        self.new = new

    def _write(self, data: services.SourceInput) -> None:
        services.update_source(self.source_id, data)  # NotFoundError once the source was deleted
        self._emit("sources_changed", [self.source_id])

    def apply(self) -> None:
        self._write(self.new)

    def revert(self) -> None:
        self._write(self.old)

    def is_noop(self) -> bool:
        return self.old == self.new


class CreateSourceCommand(ClaimCommand):
    """Add a source to the library; undo deletes it (refused once a claim cites it), redo puts it back
    under the same id, so later steps that name it still find it."""

    def __init__(self, data: services.SourceInput, signals=None):
        title = (data.title or data.url or "untitled")[:40]
        super().__init__(f"Add source \u201c{title}\u201d", signals)
        self.data = data
        self.source_id: int | None = None
        self._removed: services.DeletedSource | None = None

    def apply(self) -> None:
        if self._removed is None:
            self.source_id = services.create_source(self.data).id  # a twin raises with existing_id
        else:
            services.restore_source(self._removed)
        self._emit("sources_changed", [self.source_id])

    def revert(self) -> None:
        self._removed = services.delete_source(self.source_id)
        self._emit("sources_changed", [self.source_id])


class DeleteSourceCommand(ClaimCommand):
    """Delete a source no claim cites; undo puts it back as it was (same id, archives, notes)."""

    def __init__(self, source_id: int, title: str, signals=None):
        super().__init__(f"Delete source \u201c{(title or f'#{source_id}')[:40]}\u201d", signals)
        self.source_id = source_id
        self._removed: services.DeletedSource | None = None

    def apply(self) -> None:
        self._removed = services.delete_source(self.source_id)
        self._emit("sources_changed", [self.source_id])

    def revert(self) -> None:
        services.restore_source(self._removed)
        self._emit("sources_changed", [self.source_id])
