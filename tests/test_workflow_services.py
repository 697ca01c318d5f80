"""Status machine, gates and the undo path (restore_status / restore_verdict)."""

import itertools

import pytest

from desktop import services
from desktop.errors import WorkflowError
from desktop.models import Claim, History
from desktop.services.status import restore_status, restore_verdict
from desktop.workflow import GATED_STATUSES, STATUSES, TRANSITIONS, needs_reason

# A path from unstarted to each status, through allowed moves only.
PATHS = {
    "unstarted": [],
    "in_progress": ["in_progress"],
    "on_hold": ["on_hold"],
    "needs_review": ["in_progress", "needs_review"],
    "final": ["in_progress", "needs_review", "final"],
    "reopened": ["in_progress", "needs_review", "final", "reopened"],
    "cancelled": ["cancelled"],
}


@pytest.fixture
def claim_in(make_claim, make_source):
    def make(status, *, verdict="false", evidence=True):
        claim = make_claim(f"A claim that ends up {status}")
        if evidence:
            services.link_evidence(claim.id, make_source().id, "supports")
        if verdict:
            services.set_verdict(claim.id, verdict)
        for step in PATHS[status]:
            services.set_status(claim.id, step, reason="because")
        return Claim.get_by_id(claim.id)

    return make


@pytest.mark.parametrize("old, new", list(itertools.product(STATUSES, STATUSES)))
def test_every_transition_is_allowed_or_refused_as_the_table_says(claim_in, old, new):
    claim = claim_in(old)
    if new in TRANSITIONS[old]:
        services.set_status(claim.id, new, reason="checked again")
        assert Claim.get_by_id(claim.id).status == new
    else:
        with pytest.raises(WorkflowError) as info:
            services.set_status(claim.id, new, reason="checked again")
        assert Claim.get_by_id(claim.id).status == old
        assert "already" in str(info.value) or "cannot go from" in str(info.value)


@pytest.mark.parametrize("new", sorted(GATED_STATUSES))
@pytest.mark.parametrize("verdict, evidence, missing", [
    (None, True, ("verdict",)), ("false", False, ("evidence",)), (None, False, ("verdict", "evidence")),
])
def test_gate_messages_name_what_is_missing(claim_in, new, verdict, evidence, missing):
    claim = claim_in("in_progress" if new == "needs_review" else "needs_review", verdict="false", evidence=True)
    if new == "final":
        # Take away what the gate needs after entering Needs review (raw, as a damaged file could).
        Claim.update(verdict=verdict, n_supports=0 if not evidence else 1).where(Claim.id == claim.id).execute()
        if not evidence:
            from desktop.models import Evidence
            Evidence.delete().where(Evidence.claim == claim.id).execute()
    else:
        claim = claim_in("in_progress", verdict=verdict, evidence=evidence)
    with pytest.raises(WorkflowError) as info:
        services.set_status(claim.id, new)
    assert info.value.missing == missing
    text = str(info.value)
    assert ("a verdict" in text) == ("verdict" in missing)
    assert ("supports or refutes" in text) == ("evidence" in missing)


@pytest.mark.parametrize("old, new", [(o, n) for o in STATUSES for n in TRANSITIONS[o] if needs_reason(o, n)])
def test_moves_that_need_a_reason(claim_in, old, new):
    claim = claim_in(old)
    with pytest.raises(WorkflowError) as info:
        services.set_status(claim.id, new, reason="   ")
    assert info.value.missing == ("reason",)
    services.set_status(claim.id, new, reason="Published figure was corrected")
    assert History.select().order_by(History.id.desc()).first().reason == "Published figure was corrected"


def test_restore_status_goes_back_against_the_arrows(claim_in):
    claim = claim_in("needs_review")
    services.set_status(claim.id, "in_progress")
    restore_status(claim.id, "needs_review", expected_current="in_progress", who="Undoer")
    assert Claim.get_by_id(claim.id).status == "needs_review"
    last = History.select().order_by(History.id.desc()).first()
    assert (last.old_value, last.new_value, last.reason, last.who) == ("in_progress", "needs_review", "Undo", "Undoer")


def test_restore_status_keeps_the_gate(claim_in):
    claim = claim_in("needs_review")
    services.set_status(claim.id, "in_progress")
    services.set_verdict(claim.id, None)
    with pytest.raises(WorkflowError) as info:
        restore_status(claim.id, "needs_review", expected_current="in_progress")
    assert info.value.missing == ("verdict",)
    assert Claim.get_by_id(claim.id).status == "in_progress"


def test_restore_status_refuses_when_changed_since(claim_in):
    claim = claim_in("in_progress")
    services.set_status(claim.id, "on_hold")
    with pytest.raises(WorkflowError, match="changed since"):
        restore_status(claim.id, "unstarted", expected_current="in_progress")
    assert Claim.get_by_id(claim.id).status == "on_hold"


def test_restore_status_puts_back_finalised_at(claim_in):
    claim = claim_in("needs_review")
    services.set_status(claim.id, "final")
    restore_status(claim.id, "needs_review", expected_current="final", finalised_at=None)
    assert Claim.get_by_id(claim.id).finalised_at is None


def test_restore_verdict(claim_in):
    claim = claim_in("in_progress", verdict="false")
    services.set_verdict(claim.id, "misleading", "Part of it holds.")
    restore_verdict(claim.id, "false", "", expected_verdict="misleading", expected_explanation="Part of it holds.")
    claim = Claim.get_by_id(claim.id)
    assert (claim.verdict, claim.verdict_explanation) == ("false", "")
    undo_rows = History.select().where(History.reason == "Undo").count()
    assert undo_rows == 2
    with pytest.raises(WorkflowError, match="changed since"):
        restore_verdict(claim.id, "true", "", expected_verdict="misleading", expected_explanation="")


def test_corrections_marked_after_publication(claim_in):
    claim = claim_in("final")
    services.set_status(claim.id, "reopened", reason="New figures released")
    services.set_status(claim.id, "in_progress")
    services.set_verdict(claim.id, "misleading")
    rows = list(History.select().where(History.claim == claim.id).order_by(History.id))
    flags = [(h.field, h.new_value, h.is_correction) for h in rows]
    assert ("status", "final", False) in flags
    assert ("status", "reopened", True) in flags
    assert ("verdict", "misleading", True) in flags
