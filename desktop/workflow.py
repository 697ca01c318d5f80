"""The fixed vocabularies: work status, verdict, stance, source kind, credibility.

Stable ids are what the database and every export store; labels are for
people and go through ``label()`` so they can be translated in one place.
Colours are chosen to read on both light and dark backgrounds: each is a
mid-tone background meant to carry white text (contrast >= 4.5:1).

The status machine (see shared/guide/domain.md)::

    unstarted -> in_progress -> needs_review -> final -> reopened -> in_progress
    on_hold and cancelled are reachable from every open state.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    colour: str = "#5f6368"
    value: int | None = None  # ClaimReview ratingValue for verdicts


STATUSES: dict[str, Term] = {
    t.id: t
    for t in (
        Term("unstarted", "Unstarted", "#5f6368"),
        Term("in_progress", "In progress", "#1a66c2"),
        Term("on_hold", "On hold", "#8a5a00"),
        Term("needs_review", "Needs review", "#7b3fb5"),
        Term("final", "Final", "#1d7a3a"),
        Term("reopened", "Reopened", "#b34700"),
        Term("cancelled", "Cancelled", "#6b6b6b"),
    )
}

VERDICTS: dict[str, Term] = {
    t.id: t
    for t in (
        Term("true", "True", "#1d7a3a", 5),
        Term("mostly_true", "Mostly true", "#4d7a12", 4),
        Term("misleading", "Misleading", "#a35200", 2),
        Term("false", "False", "#b3261e", 1),
        Term("unverified", "Unverified", "#5f6368", None),
        Term("not_checkable", "Not checkable / opinion", "#6a4c93", None),
    )
}

# Verdicts that ClaimReview never publishes (no rating on the scale).
UNPUBLISHED_VERDICTS = frozenset({"not_checkable"})

STANCES: dict[str, Term] = {
    t.id: t
    for t in (
        Term("appearance", "Appearance", "#5f6368"),
        Term("supports", "Supports", "#1d7a3a"),
        Term("refutes", "Refutes", "#b3261e"),
        Term("context", "Context", "#1a66c2"),
    )
}

SOURCE_KINDS: dict[str, Term] = {
    t.id: t
    for t in (
        Term("web_page", "Web page"),
        Term("news_article", "News article"),
        Term("official_statement", "Official statement"),
        Term("social_post", "Social media post"),
        Term("report", "Report"),
        Term("dataset", "Dataset"),
        Term("interview", "Interview"),
        Term("document", "Document"),
        Term("other", "Other"),
    )
}

CREDIBILITY: dict[str, Term] = {
    t.id: t
    for t in (
        Term("unrated", "Unrated", "#5f6368"),
        Term("credible", "Credible", "#1d7a3a"),
        Term("partly_credible", "Partly credible", "#a35200"),
        Term("not_credible", "Not credible", "#b3261e"),
    )
}

PRIORITIES = {0: "None", 1: "Low", 2: "Medium", 3: "High"}

CLAIMANT_KINDS = {"person": "Person", "organisation": "Organisation", "unknown": "Unknown"}

OPEN_STATUSES = frozenset({"unstarted", "in_progress", "on_hold", "needs_review", "reopened"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "unstarted": frozenset({"in_progress", "on_hold", "cancelled"}),
    "in_progress": frozenset({"needs_review", "on_hold", "cancelled"}),
    "on_hold": frozenset({"in_progress", "cancelled"}),
    "needs_review": frozenset({"final", "in_progress", "on_hold", "cancelled"}),
    "final": frozenset({"reopened"}),
    "reopened": frozenset({"in_progress", "needs_review", "on_hold", "cancelled"}),
    "cancelled": frozenset({"reopened"}),
}

# Entering these needs a verdict and a supporting or refuting source.
GATED_STATUSES = frozenset({"needs_review", "final"})
# Stances that count as evidence for the gate (appearance and context do not).
DECISIVE_STANCES = frozenset({"supports", "refutes"})


def needs_reason(old: str, new: str) -> bool:
    """Reopening a final (or cancelled) claim and cancelling need a reason."""
    return new == "cancelled" or (new == "reopened" and old in {"final", "cancelled"})


def allowed_transitions(status: str) -> list[str]:
    """Statuses reachable from ``status``, in the order of ``STATUSES``."""
    targets = TRANSITIONS.get(status, frozenset())
    return [s for s in STATUSES if s in targets]


_VOCABULARIES = {
    "status": STATUSES,
    "verdict": VERDICTS,
    "stance": STANCES,
    "kind": SOURCE_KINDS,
    "credibility": CREDIBILITY,
}


def label(vocabulary: str, term_id: str | None) -> str:
    """The label a person sees for a stable id; the one place to translate."""
    if not term_id:
        return ""
    term = _VOCABULARIES[vocabulary].get(term_id)
    return term.label if term else term_id


def colour(vocabulary: str, term_id: str | None) -> str:
    term = _VOCABULARIES[vocabulary].get(term_id or "")
    return term.colour if term else "#5f6368"
