"""Work status and verdict, with the workflow gates from the domain brief.

Every refusal is a ``WorkflowError`` whose message says exactly what is
missing and whose ``missing`` names it (``verdict``, ``evidence``,
``reason``) so the interface can offer to go there.
"""

from __future__ import annotations

from desktop.errors import WorkflowError
from desktop.models import Claim, Evidence
from desktop.services.claims import record
from desktop.services.common import LIMITS, clean_text, get_or_404, utcnow, write
from desktop.workflow import (
    DECISIVE_STANCES,
    GATED_STATUSES,
    STATUSES,
    TRANSITIONS,
    VERDICTS,
    label,
    needs_reason,
)


def decisive_evidence_count(claim_id: int) -> int:
    return Evidence.select().where(Evidence.claim == claim_id, Evidence.stance.in_(list(DECISIVE_STANCES))).count()


def transition_problem(claim: Claim, new_status: str, reason: str = "") -> WorkflowError | None:
    """Why ``claim`` cannot move to ``new_status`` now, or None if it can."""
    if new_status not in STATUSES:
        return WorkflowError("status", f"'{new_status}' is not a work status; use one of: {', '.join(STATUSES)}.")
    old = claim.status
    if new_status == old:
        return WorkflowError("status", f"the claim is already {label('status', old)}.")
    if new_status not in TRANSITIONS.get(old, ()):
        allowed = ", ".join(label("status", s) for s in sorted(TRANSITIONS.get(old, ()), key=list(STATUSES).index))
        return WorkflowError(
            "status",
            f"a claim cannot go from {label('status', old)} to {label('status', new_status)}; "
            f"from {label('status', old)} it can go to: {allowed}.",
        )
    missing = []
    if new_status in GATED_STATUSES:
        if not claim.verdict:
            missing.append("verdict")
        if claim.n_supports + claim.n_refutes == 0 and decisive_evidence_count(claim.id) == 0:
            missing.append("evidence")
    if needs_reason(old, new_status) and not (reason or "").strip():
        missing.append("reason")
    if missing:
        what = {
            "verdict": "a verdict",
            "evidence": "at least one linked source that supports or refutes it",
            "reason": "a reason",
        }
        needed = " and ".join(what[m] for m in missing)
        return WorkflowError(
            "status", f"to move to {label('status', new_status)} the claim needs {needed}.", tuple(missing)
        )
    return None


def _apply_status(claim: Claim, new_status: str, who, reason: str) -> None:
    correction = claim.finalised_at is not None
    old = claim.status
    claim.status = new_status
    now = utcnow()
    if new_status == "final" and claim.finalised_at is None:
        claim.finalised_at = now
    claim.updated_at = now
    claim.save(only=[Claim.status, Claim.finalised_at, Claim.updated_at])
    record(claim.id, "status", old, new_status, who, reason, correction)


@write
def set_status(claim_id: int, new_status: str, who: str | None = None, reason: str = "") -> Claim:
    claim = get_or_404(Claim, claim_id)
    reason = clean_text("reason", reason, limit=LIMITS["long"])
    problem = transition_problem(claim, new_status, reason)
    if problem is not None:
        raise problem
    _apply_status(claim, new_status, who, reason)
    return claim


def verdict_problem(claim: Claim, verdict: str | None) -> WorkflowError | None:
    if verdict is not None and verdict not in VERDICTS:
        return WorkflowError("verdict", f"'{verdict}' is not a verdict; use one of: {', '.join(VERDICTS)}.")
    if claim.status == "final":
        return WorkflowError("verdict", "the claim is final; reopen it (with a reason) before changing the verdict.",
                             ("reopen",))
    if claim.status == "cancelled":
        return WorkflowError("verdict", "the claim is cancelled; reopen it before giving a verdict.", ("reopen",))
    if verdict is None and claim.status in GATED_STATUSES:
        return WorkflowError(
            "verdict", f"a claim in {label('status', claim.status)} must keep a verdict; move it back to "
            "In progress first.",
        )
    return None


@write
def set_verdict(
    claim_id: int,
    verdict: str | None,
    explanation: str | None = None,
    who: str | None = None,
    reason: str = "",
) -> Claim:
    """Set the verdict (None clears it) and, when given, its explanation."""
    claim = get_or_404(Claim, claim_id)
    verdict = verdict or None
    problem = verdict_problem(claim, verdict)
    if problem is not None:
        raise problem
    reason = clean_text("reason", reason)
    correction = claim.finalised_at is not None
    changed = False
    if verdict != claim.verdict:
        record(claim.id, "verdict", claim.verdict, verdict, who, reason, correction)
        claim.verdict = verdict
        changed = True
    if explanation is not None:
        explanation = clean_text("verdict_explanation", explanation)
        if explanation != claim.verdict_explanation:
            record(claim.id, "verdict_explanation", claim.verdict_explanation, explanation, who, reason, correction)
            claim.verdict_explanation = explanation
            changed = True
    if changed:
        claim.updated_at = utcnow()
        claim.save(only=[Claim.verdict, Claim.verdict_explanation, Claim.updated_at])
    return claim


# The undo path: put back what a change replaced, even where TRANSITIONS
# has no arrow for it (undoing in_progress -> needs_review means going from
# needs_review back to in_progress... and undoing needs_review -> in_progress
# means going back into a gated status). The gates still hold: a claim goes
# back into Needs review or Final only if it still has a verdict and a
# supporting or refuting source. History records the move with reason "Undo".

UNDO_REASON = "Undo"
KEEP = object()  # "leave finalised_at as it is"


def _changed_since(what: str, now_value, expected) -> WorkflowError:
    return WorkflowError(
        what,
        f"the claim was changed since: its {what} is now {label(what, now_value) or 'empty'}, "
        f"not {label(what, expected) or 'empty'}; nothing was undone.",
    )


def restore_problem(claim: Claim, status: str) -> WorkflowError | None:
    """Why ``claim`` cannot be put back into ``status`` by an undo, or None."""
    if status not in STATUSES:
        return WorkflowError("status", f"'{status}' is not a work status.")
    if status in GATED_STATUSES:
        missing = []
        if not claim.verdict:
            missing.append("verdict")
        if claim.n_supports + claim.n_refutes == 0 and decisive_evidence_count(claim.id) == 0:
            missing.append("evidence")
        if missing:
            needed = " and ".join(
                {"verdict": "a verdict", "evidence": "a linked source that supports or refutes it"}[m]
                for m in missing
            )
            return WorkflowError(
                "status", f"cannot undo: going back to {label('status', status)} needs {needed}.", tuple(missing)
            )
    return None


@write
def restore_status(claim_id: int, status: str, expected_current: str, who: str | None = None,
                   finalised_at=KEEP, reason: str = UNDO_REASON) -> Claim:
    """Undo a status change: ``expected_current`` -> ``status``, gates checked.

    ``finalised_at`` (when given) is put back too, so undoing a claim's first
    move to Final leaves it as never finalised.
    """
    claim = get_or_404(Claim, claim_id)
    if claim.status != expected_current:
        raise _changed_since("status", claim.status, expected_current)
    if status == claim.status:
        return claim
    problem = restore_problem(claim, status)
    if problem is not None:
        raise problem
    old = claim.status
    correction = claim.finalised_at is not None
    claim.status = status
    if finalised_at is not KEEP:
        claim.finalised_at = finalised_at
    elif status == "final" and claim.finalised_at is None:
        claim.finalised_at = utcnow()
    claim.updated_at = utcnow()
    claim.save(only=[Claim.status, Claim.finalised_at, Claim.updated_at])
    record(claim.id, "status", old, status, who, reason, correction)
    return claim


@write
def restore_verdict(claim_id: int, verdict: str | None, explanation: str, expected_verdict: str | None,
                    expected_explanation: str, who: str | None = None, reason: str = UNDO_REASON) -> Claim:
    """Undo a verdict (and explanation) change; refused if the claim changed since."""
    claim = get_or_404(Claim, claim_id)
    verdict = verdict or None
    if (claim.verdict or None) != (expected_verdict or None):
        raise _changed_since("verdict", claim.verdict, expected_verdict)
    if claim.verdict_explanation != (expected_explanation or ""):
        raise WorkflowError("verdict_explanation", "the verdict explanation was changed since; nothing was undone.")
    if verdict == claim.verdict and explanation == claim.verdict_explanation:
        return claim
    problem = verdict_problem(claim, verdict)
    if problem is not None:
        raise WorkflowError(problem.field, "cannot undo: " + problem.message, problem.missing)
    correction = claim.finalised_at is not None
    if verdict != claim.verdict:
        record(claim.id, "verdict", claim.verdict, verdict, who, reason, correction)
        claim.verdict = verdict
    if explanation != claim.verdict_explanation:
        record(claim.id, "verdict_explanation", claim.verdict_explanation, explanation, who, reason, correction)
        claim.verdict_explanation = explanation
    claim.updated_at = utcnow()
    claim.save(only=[Claim.verdict, Claim.verdict_explanation, Claim.updated_at])
    return claim
