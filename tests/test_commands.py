"""Undo commands for claims: each step changes the database back and forth."""

import pytest
from PySide6.QtGui import QUndoStack

from desktop import services
from desktop.errors import StorageError, ValidationError
from desktop.models import Claim, History
from desktop.views import commands
from desktop.views.signals import DataSignals


@pytest.fixture
def stack(qapp):
    stack = QUndoStack()
    yield stack
    stack.clear()


@pytest.fixture
def signals(qapp):
    return DataSignals()


@pytest.fixture
def reported(monkeypatch):
    messages = []
    monkeypatch.setattr(commands, "report_error", lambda title, message: messages.append((title, message)))
    return messages


def in_trash(claim_id):
    return Claim.get_by_id(claim_id).deleted_at is not None


def test_create_then_undo_trashes_and_redo_restores(database, stack, signals, qtbot):
    with qtbot.waitSignal(signals.claims_added) as added:
        command = commands.run(commands.CreateClaimCommand(services.ClaimInput(text="Rents rose 40% in a year"), signals), stack)
    cid = command.claim_id
    assert added.args == [[cid]]
    assert stack.count() == 1 and not in_trash(cid)
    with qtbot.waitSignal(signals.claims_removed):
        stack.undo()
    assert in_trash(cid)
    stack.redo()
    assert not in_trash(cid)
    assert Claim.select().count() == 1  # redo restores, never creates a second claim


def test_refused_create_is_not_pushed(database, stack, signals):
    with pytest.raises(ValidationError) as caught:
        commands.run(commands.CreateClaimCommand(services.ClaimInput(text="   "), signals), stack)
    assert caught.value.field == "text"
    assert stack.count() == 0
    assert Claim.select().count() == 0


def test_storage_error_is_raised_to_the_caller_and_not_pushed(database, stack, monkeypatch):
    def full(*args, **kwargs):
        raise StorageError("The disk is full; the change was not saved.", "full")

    monkeypatch.setattr(services, "create_claim", full)
    with pytest.raises(StorageError):
        commands.run(commands.CreateClaimCommand(services.ClaimInput(text="Anything")), stack)
    assert stack.count() == 0


def test_edit_undo_redo_round_trips_every_field(database, make_claim, stack, signals, qtbot):
    claim = make_claim("Unemployment fell to 5%", claimant="Minister Lee", tags=["jobs"], priority=1)
    old = services.ClaimInput.from_claim(claim)
    new = services.ClaimInput(text="Unemployment fell to 4.8%", claimant="Office of Statistics",
                              tags=["jobs", "economy"], priority=3, claimed_on="2024-03",
                              appearance_url="https://example.org/speech")
    with qtbot.waitSignal(signals.claims_changed) as changed:
        commands.run(commands.EditClaimCommand(claim.id, old, new, signals), stack)
    assert changed.args == [[claim.id]]
    assert services.ClaimInput.from_claim(Claim.get_by_id(claim.id)) == dataclass_cleaned(new)
    stack.undo()
    assert services.ClaimInput.from_claim(Claim.get_by_id(claim.id)) == old
    stack.redo()
    assert Claim.get_by_id(claim.id).claimant_name == "Office of Statistics"


def dataclass_cleaned(data):
    values = services.validate_claim(data)
    return services.ClaimInput(**values)


def test_trash_moves_only_live_claims_and_undo_restores_only_those(database, make_claim, stack, signals):
    a, b = make_claim("Claim A one"), make_claim("Claim B two")
    services.trash_claims([b.id])
    command = commands.run(commands.TrashClaimsCommand([a.id, b.id], signals), stack)
    assert command.moved == [a.id]
    assert command.text() == "Move 1 claim to the trash"
    assert in_trash(a.id) and in_trash(b.id)
    stack.undo()
    assert not in_trash(a.id)
    assert in_trash(b.id)  # was already in the trash before: stays there
    stack.redo()
    assert in_trash(a.id)


def test_restore_command_and_its_undo(database, make_claim, stack, signals):
    a = make_claim("Claim to restore")
    services.trash_claims([a.id])
    commands.run(commands.RestoreClaimsCommand([a.id], signals), stack)
    assert not in_trash(a.id)
    stack.undo()
    assert in_trash(a.id)
    stack.redo()
    assert not in_trash(a.id)


def test_a_move_that_changes_nothing_is_not_pushed(database, make_claim, stack):
    a = make_claim("Already live")
    command = commands.run(commands.RestoreClaimsCommand([a.id]), stack)
    assert command.is_noop()
    assert stack.count() == 0
    assert History.select().where(History.field == "trash").count() == 0


def test_undo_after_the_claim_was_purged_reports_and_keeps_the_stack_consistent(
        database, make_claim, stack, reported):
    keep = make_claim("Stays in the database")
    gone = make_claim("Will be purged")
    commands.run(commands.EditClaimCommand(keep.id, services.ClaimInput.from_claim(keep),
                                           services.ClaimInput(text="Stays, edited")), stack)
    commands.run(commands.TrashClaimsCommand([gone.id]), stack)
    services.empty_trash()
    stack.undo()  # restore a claim that no longer exists: must not raise
    assert reported and "no longer exist" in reported[0][1]
    assert stack.count() == 1  # the broken step was dropped
    assert stack.index() == 1
    stack.undo()  # the edit before it still undoes
    assert Claim.get_by_id(keep.id).text == "Stays in the database"
    assert Claim.select().count() == 1


def finalise(claim_id, make_source):
    services.link_evidence(claim_id, make_source().id, "refutes")
    services.set_verdict(claim_id, "false", "The figures say otherwise.")
    for status in ("in_progress", "needs_review", "final"):
        services.set_status(claim_id, status)


def test_undo_refused_by_the_service_is_reported(database, make_claim, make_source, stack, reported):
    claim = make_claim("Original wording")
    old = services.ClaimInput.from_claim(claim)
    commands.run(commands.EditClaimCommand(claim.id, old, services.ClaimInput(text="New wording")), stack)
    finalise(claim.id, make_source)  # meanwhile the claim became final
    stack.undo()
    assert reported and "final" in reported[0][1]
    assert Claim.get_by_id(claim.id).text == "New wording"
    assert stack.count() == 0
