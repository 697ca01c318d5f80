"""The claims table's plan decisions (desktop.claims_plans), without Qt."""

from __future__ import annotations

import pytest

from desktop import claims_plans, search, services


@pytest.fixture
def claims(make_claim):
    ids = []
    for n in range(30):
        claim = make_claim(f"Claim {n}: the {'river' if n % 3 else 'harbour'} town report", claimant=f"Office {n % 4}")
        ids.append(claim.id)
        if n % 2:
            services.set_status(claim.id, "in_progress")
        if n % 5 == 0:
            services.set_verdict(claim.id, "false")
    services.trash_claims(ids[:3])
    return ids


@pytest.mark.parametrize("flt", [
    search.ClaimFilter(text="river", statuses=frozenset({"in_progress"})),
    search.ClaimFilter(text="town", statuses=frozenset({"unstarted"})),
    search.ClaimFilter(text="harbour", verdicts=frozenset({"false"})),
    search.ClaimFilter(text="town", no_sources=True, statuses=frozenset({"in_progress", "unstarted"})),
    search.ClaimFilter(text="nothing", statuses=frozenset({"unstarted"})),
], ids=["river+in progress", "town+unstarted", "harbour+false", "town+no sources+two", "no match"])
def test_a_proof_of_density_is_never_wrong(claims, flt, monkeypatch):
    """True only when at least ``limit`` live claims really pass the whole filter (trashed ones excluded)."""
    match = search.fts_query(flt.text)
    count = search.count_claims(flt)
    for span in (1, 5, 100):
        monkeypatch.setattr(claims_plans, "PROOF_SPAN", span)
        for limit in range(1, count + 3):
            if claims_plans._proven_dense(flt, match, limit):
                assert count >= limit, (span, limit)
    monkeypatch.setattr(claims_plans, "PROOF_SPAN", 100)  # reads every match: proves whatever is true
    if count:
        assert claims_plans._proven_dense(flt, match, count)
        assert claims_plans.probe_dense(flt, count, False)
    assert not claims_plans.probe_dense(flt, count + 1, False)


def test_a_proof_is_not_tried_where_it_does_not_apply(claims):
    for flt in (search.ClaimFilter(text="town", tag_ids=frozenset({1})),
                search.ClaimFilter(text="town", claimant_ids=frozenset({1})),
                search.ClaimFilter(text="town", date_from="2020")):
        assert not claims_plans._proven_dense(flt, search.fts_query(flt.text), 1)
