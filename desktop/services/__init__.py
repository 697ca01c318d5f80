"""Every write to a Claimlog database goes through these functions.

Each public function runs in one transaction (``common.write``) that also
keeps the full-text index, the counters on ``claim`` and ``source`` and the
History in step. Invalid input raises ``desktop.errors.ValidationError``
(or its ``WorkflowError`` subclass) with a message naming the field.
Views never call ``.save()`` on a model.
"""

from desktop.services.claims import (
    ClaimInput,
    claim_tag_names,
    create_claim,
    empty_trash,
    find_or_create_claimant,
    find_or_create_tag,
    purge_claims,
    reindex_claim,
    restore_claims,
    trash_claims,
    update_claim,
    update_claimant,
    validate_claim,
)
from desktop.services.common import LIMITS, SHORT_TEXT_TARGET, current_actor, set_actor, write
from desktop.services.sources import (
    ArchiveInput,
    DeletedSource,
    SourceInput,
    create_source,
    delete_source,
    find_source_by_url,
    link_evidence,
    restore_source,
    unlink_evidence,
    update_evidence,
    update_source,
    validate_source,
)
from desktop.services.status import set_status, set_verdict, transition_problem, verdict_problem

__all__ = [
    "ArchiveInput", "ClaimInput", "DeletedSource", "LIMITS", "SHORT_TEXT_TARGET", "SourceInput", "claim_tag_names",
    "create_claim", "create_source", "current_actor", "delete_source", "empty_trash", "find_or_create_claimant",
    "find_or_create_tag", "find_source_by_url", "link_evidence", "purge_claims", "reindex_claim",
    "restore_claims", "restore_source", "set_actor", "set_status", "set_verdict", "transition_problem", "trash_claims",
    "unlink_evidence", "update_claim", "update_claimant", "update_evidence", "update_source",
    "validate_claim", "validate_source", "verdict_problem", "write",
]
