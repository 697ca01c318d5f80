"""Bulk changes through desktop.services.bulk: preview counts, refusals, one transaction, revert."""

import pytest

from desktop import search, services
from desktop.errors import ValidationError
from desktop.models import Claim, ClaimIndex, ClaimTag, History, Tag
from desktop.services import bulk
from desktop.services.bulk import BulkChange


@pytest.fixture
def ready(make_claim, make_source):
    """A claim with a verdict and a refuting source, in progress: it may enter Needs review."""

    def make(text="Ready claim", **fields):
        claim = make_claim(text, **fields)
        services.set_status(claim.id, "in_progress")
        services.set_verdict(claim.id, "false", "Numbers do not match.")
        services.link_evidence(claim.id, make_source().id, "refutes")
        return claim.id

    return make


def status_of(cid):
    return Claim.get_by_id(cid).status


def test_status_preview_groups_refusals(make_claim, ready):
    ok = [ready(f"ok {i}") for i in range(3)]
    no_verdict = make_claim("no verdict").id
    services.set_status(no_verdict, "in_progress")
    unstarted = make_claim("unstarted").id  # cannot jump to needs_review
    already = ready("already")
    services.set_status(already, "needs_review")
    preview = bulk.preview(ok + [no_verdict, unstarted, already], BulkChange("status", "needs_review"))
    assert (preview.total, preview.will_change, preview.unchanged) == (6, 3, 1)
    assert sorted(preview.refused) == [
        (1, "cannot go from Unstarted to Needs review"),
        (1, "needs a verdict and a linked source that supports or refutes it"),
    ]
    assert "3 will change" in preview.lines()


def test_apply_status_changes_only_allowed_and_writes_history(make_claim, ready):
    ok = [ready(f"ok {i}") for i in range(3)]
    blocked = make_claim("blocked").id
    services.set_status(blocked, "in_progress")
    before = History.select().count()
    result = bulk.apply(ok + [blocked], BulkChange("status", "needs_review"), who="Mya")
    assert sorted(result.ids) == sorted(ok)
    assert [status_of(c) for c in ok] == ["needs_review"] * 3
    assert status_of(blocked) == "in_progress"
    rows = list(History.select().where(History.id > 0).order_by(History.id.desc()).limit(3))
    assert History.select().count() == before + 3
    assert {(h.field, h.old_value, h.new_value, h.who) for h in rows} == {("status", "in_progress", "needs_review", "Mya")}


def test_cancel_needs_a_reason(ready):
    ids = [ready(f"c {i}") for i in range(2)]
    preview = bulk.preview(ids, BulkChange("status", "cancelled"))
    assert preview.refused == [(2, "needs a reason")]
    result = bulk.apply(ids, BulkChange("status", "cancelled", reason="Duplicate of an older claim"))
    assert result.count == 2
    assert {h.reason for h in History.select().where(History.new_value == "cancelled")} == {
        "Duplicate of an older claim"}


def test_final_sets_finalised_at_and_revert_clears_it(ready):
    ids = [ready(f"f {i}") for i in range(2)]
    bulk.apply(ids, BulkChange("status", "needs_review"))
    result = bulk.apply(ids, BulkChange("status", "final"))
    assert all(Claim.get_by_id(c).finalised_at for c in ids)
    undone = bulk.revert(result)
    assert undone.count == 2 and undone.skipped == 0
    assert [(Claim.get_by_id(c).status, Claim.get_by_id(c).finalised_at) for c in ids] == [("needs_review", None)] * 2
    assert History.select().where(History.reason == "Undo").count() == 2


def test_revert_skips_claims_changed_since_and_keeps_gates(ready):
    ids = [ready(f"r {i}") for i in range(3)]
    bulk.apply(ids, BulkChange("status", "needs_review"))
    result = bulk.apply(ids, BulkChange("status", "in_progress"))
    services.set_status(ids[0], "on_hold")  # changed since
    services.set_verdict(ids[1], None)  # no longer passes the Needs review gate
    undone = bulk.revert(result)
    assert undone.ids == [ids[2]] and undone.skipped == 2
    assert [status_of(c) for c in ids] == ["on_hold", "in_progress", "needs_review"]


def test_verdict_bulk_refuses_final_and_reverts(ready, make_claim):
    open_ids = [make_claim(f"v {i}").id for i in range(3)]
    final = ready("final one")
    services.set_status(final, "needs_review")
    services.set_status(final, "final")
    preview = bulk.preview(open_ids + [final], BulkChange("verdict", "misleading"))
    assert preview.will_change == 3
    assert preview.refused == [(1, "the claim is final; reopen it (with a reason) first")]
    result = bulk.apply(open_ids + [final], BulkChange("verdict", "misleading"))
    assert {Claim.get_by_id(c).verdict for c in open_ids} == {"misleading"}
    assert Claim.get_by_id(final).verdict == "false"
    bulk.revert(result)
    assert {Claim.get_by_id(c).verdict for c in open_ids} == {None}


def test_clearing_verdict_refused_in_needs_review(ready):
    cid = ready()
    services.set_status(cid, "needs_review")
    preview = bulk.preview([cid], BulkChange("verdict", None))
    assert preview.refused == [(1, "in Needs review or Final a claim must keep a verdict")]


def test_add_and_remove_tag_keep_tags_text_and_index(make_claim, database):
    a = make_claim("alpha", tags=["zeta"]).id
    b = make_claim("beta", tags=["Border"]).id
    preview = bulk.preview([a, b], BulkChange("add_tag", "border"))
    assert (preview.will_change, preview.unchanged) == (1, 1)  # tag names match case-insensitively
    result = bulk.apply([a, b], BulkChange("add_tag", "border"))
    assert result.ids == [a] and not result.tag_created
    assert Claim.get_by_id(a).tags_text == "Border; zeta"
    hits = search.claim_ids(search.ClaimFilter(text="border")).tuples()
    assert sorted(r[0] for r in hits) == sorted([a, b])
    removed = bulk.apply(search.ClaimFilter(), BulkChange("remove_tag", "Border"))
    assert sorted(removed.ids) == sorted([a, b])
    assert [Claim.get_by_id(c).tags_text for c in (a, b)] == ["zeta", ""]
    assert not ClaimTag.select().where(ClaimTag.tag == Tag.get(Tag.name == "Border").id).exists()
    bulk.revert(removed)
    assert [Claim.get_by_id(c).tags_text for c in (a, b)] == ["Border; zeta", "Border"]
    row = ClaimIndex.select(ClaimIndex.tags).where(ClaimIndex.rowid == a).scalar()
    assert "Border" in row


def test_new_tag_removed_again_on_revert(make_claim):
    a = make_claim("alpha").id
    result = bulk.apply([a], BulkChange("add_tag", "brand new"))
    assert result.tag_created
    bulk.revert(result)
    assert not Tag.select().where(Tag.name == "brand new").exists()
    assert Claim.get_by_id(a).tags_text == ""


def test_filter_target_follows_the_filter(make_claim):
    ids = [make_claim(f"water claim {i}").id for i in range(4)] + [make_claim("fire claim").id]
    preview = bulk.preview(search.ClaimFilter(text="water"), BulkChange("status", "in_progress"))
    assert preview.will_change == 4
    services.trash_claims([ids[0]])
    assert bulk.preview(search.ClaimFilter(text="water"), BulkChange("status", "in_progress")).will_change == 3


def test_large_id_list_goes_through_a_temp_table(make_claim):
    cid = make_claim("only").id
    ids = list(range(cid + 1, cid + 40_000)) + [cid]  # far more than SQLite's parameter limit
    preview = bulk.preview(ids, BulkChange("status", "on_hold"))
    assert preview.total == 1 and preview.will_change == 1
    flt = search.ClaimFilter(ids=frozenset(ids))
    assert bulk.apply(flt, BulkChange("status", "on_hold")).ids == [cid]


def test_apply_is_one_transaction(ready, monkeypatch):
    ids = [ready(f"t {i}") for i in range(3)]
    history_before = History.select().count()

    def boom(*args):
        if args == (2, 4):
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        bulk.apply(ids, BulkChange("status", "needs_review"), progress=boom)
    assert [status_of(c) for c in ids] == ["in_progress"] * 3
    assert History.select().count() == history_before


@pytest.mark.parametrize("change, field", [
    (BulkChange("status", "done"), "status"),
    (BulkChange("verdict", "fake"), "verdict"),
    (BulkChange("add_tag", "  "), "tag"),
    (BulkChange("add_tag", "a;b"), "tag"),
    (BulkChange("rename", "x"), "change"),
])
def test_bad_changes_are_refused_with_the_field(database, change, field):
    with pytest.raises(ValidationError) as info:
        bulk.preview([1], change)
    assert info.value.field == field


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=0, max_size=70))
def test_any_tag_name_is_added_and_reverted_or_refused_by_field(make_claim, name):
    cid = make_claim("Tag round trip", tags=["base"]).id
    before = (Claim.get_by_id(cid).tags_text, sorted(t.name for t in Tag.select()))
    try:
        result = bulk.apply([cid], BulkChange("add_tag", name))
    except ValidationError as exc:
        assert exc.field == "tag"
        assert (Claim.get_by_id(cid).tags_text, sorted(t.name for t in Tag.select())) == before
        return
    tags_text = Claim.get_by_id(cid).tags_text
    assert name.strip().casefold() in [t.casefold() for t in tags_text.split("; ")]
    bulk.revert(result)
    assert (Claim.get_by_id(cid).tags_text, sorted(t.name for t in Tag.select())) == before


def _claim_state():
    rows = Claim.select(Claim.id, Claim.status, Claim.verdict, Claim.finalised_at, Claim.tags_text).tuples()
    index = dict(ClaimIndex.select(ClaimIndex.rowid, ClaimIndex.tags).tuples())
    return {row[0]: row[1:] + (index.get(row[0]),) for row in rows}


@pytest.mark.parametrize("change", [BulkChange("status", s, reason="bulk round trip") for s in
                                    ("in_progress", "on_hold", "needs_review", "final", "reopened",
                                     "cancelled")]
                         + [BulkChange("verdict", v) for v in ("false", "unverified", None)]
                         + [BulkChange("add_tag", "round-trip"), BulkChange("remove_tag", "Ceasefire")])
def test_apply_then_revert_gives_back_every_claim_as_it_was(database, change):
    """On demo data (every status, final claims with finalised_at, tags): revert undoes apply
    exactly (status, verdict, finalised_at, tags_text and the index), and applying again after
    the revert changes the same claims."""
    from desktop import demo

    demo.generate(200, seed=11)
    if change.kind == "remove_tag":
        tagged = bulk.apply(search.ClaimFilter(), BulkChange("add_tag", change.value))
        assert tagged.count > 0
    before = _claim_state()
    result = bulk.apply(search.ClaimFilter(), change)
    assert result.count > 0
    after = _claim_state()
    assert {cid for cid in before if before[cid] != after[cid]} == set(result.ids)
    undone = bulk.revert(result)
    assert undone.count == result.count and undone.skipped == 0
    assert _claim_state() == before
    again = bulk.apply(undone.ids, change)

    def finalised_or_not(state):  # entering Final again stamps a new finalised_at
        return {cid: (s[0], s[1], s[2] is not None) + s[3:] for cid, s in state.items()}

    assert again.ids == result.ids and finalised_or_not(_claim_state()) == finalised_or_not(after)


def test_revert_puts_finalised_at_back_even_when_only_it_changed_since(ready, database):
    ids = [ready(f"fin {i}") for i in range(2)]
    result = bulk.apply(ids, BulkChange("status", "on_hold"))
    database.execute_sql("UPDATE claim SET finalised_at = '2024-01-01T00:00:00Z' WHERE id = ?", (ids[0],))
    undone = bulk.revert(result)
    assert undone.count == 2
    assert [(status_of(c), Claim.get_by_id(c).finalised_at) for c in ids] == [("in_progress", None)] * 2
