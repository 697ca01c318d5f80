"""The services: every rule and every error message of the single write path."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from desktop import search, services
from desktop.errors import NotFoundError, StorageError, ValidationError, WorkflowError
from desktop.models import Archive, Claim, Claimant, ClaimIndex, ClaimTag, Evidence, History, Source, Tag
from desktop.services import LIMITS, ClaimInput, SourceInput
from desktop.workflow import STATUSES, TRANSITIONS


def fields(claim_id: int) -> Claim:
    return Claim.get_by_id(claim_id)


def history(claim_id: int, field: str | None = None) -> list[History]:
    query = History.select().where(History.claim == claim_id)
    if field:
        query = query.where(History.field == field)
    return list(query.order_by(History.id))


def counts() -> dict:
    return {m.__name__: m.select().count() for m in (Claim, Claimant, Tag, ClaimTag, Source, Evidence, History,
                                                      Archive)} | {"fts": ClaimIndex.select().count()}


def refused(func, *args, field: str, words: str, **kwargs) -> ValidationError:
    """Call a service that must refuse; check the field and message; nothing written."""
    before = counts()
    with pytest.raises(ValidationError) as caught:
        func(*args, **kwargs)
    err = caught.value
    assert err.field == field, str(err)
    assert words.lower() in str(err).lower(), str(err)
    assert str(err).startswith(field), "the message names the field"
    assert counts() == before
    return err


# --- claim input: every rule ------------------------------------------------------


def test_text_is_required(database):
    refused(services.create_claim, ClaimInput(text=""), field="text", words="is required")


@pytest.mark.parametrize("blank", [" ", "   \t  ", "\n\n", "\u00a0\u2003 "])
def test_whitespace_only_text_is_refused(database, blank):
    refused(services.create_claim, ClaimInput(text=blank), field="text", words="cannot be only spaces")


def test_text_is_trimmed(database):
    claim = services.create_claim(ClaimInput(text="  Forty soldiers crossed the border.  \n"))
    assert claim.text == "Forty soldiers crossed the border."


@pytest.mark.parametrize(
    "name, limit_key, make",
    [
        ("text", "text", lambda n: ClaimInput(text="x" * n)),
        ("short_text", "short_text", lambda n: ClaimInput(text="ok", short_text="s" * n)),
        ("claimant", "line", lambda n: ClaimInput(text="ok", claimant="c" * n)),
        ("location", "line", lambda n: ClaimInput(text="ok", location="l" * n)),
        ("context", "long", lambda n: ClaimInput(text="ok", context="c" * n)),
        ("tags", "tag", lambda n: ClaimInput(text="ok", tags=["t" * n])),
    ],
)
def test_length_limits(database, name, limit_key, make):
    limit = LIMITS[limit_key]
    services.create_claim(make(limit))  # exactly at the limit is fine
    err = refused(services.create_claim, make(limit + 1), field=name, words="characters long")
    assert f"{limit + 1:,}" in str(err) and f"{limit:,}" in str(err)


def test_language_limit(database):
    refused(services.create_claim, ClaimInput(text="ok", language="x" * 36), field="language", words="limit is 35")


def test_too_many_tags(database):
    tags = [f"topic {n}" for n in range(LIMITS["tags"] + 1)]
    refused(services.create_claim, ClaimInput(text="ok", tags=tags), field="tags", words=f"limit is {LIMITS['tags']}")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_text(database, char):
    err = refused(services.create_claim, ClaimInput(text=f"ab{char}cd"), field="text", words="control character")
    assert f"U+{ord(char):04X}" in str(err) and "position 3" in str(err)


@pytest.mark.parametrize("char", ["\n", "\t", "\r", "\u2028"])
def test_line_breaks_and_tabs_in_single_line_fields(database, char):
    refused(services.create_claim, ClaimInput(text="ok", location=f"North{char}ern district"), field="location",
            words="control character or a line break")


def test_multiline_text_keeps_line_breaks_and_tabs(database):
    claim = services.create_claim(ClaimInput(text="First line\n\tsecond line\r\nthird", context="a\nb"))
    assert claim.text == "First line\n\tsecond line\r\nthird"


@pytest.mark.parametrize("field_name", ["text", "claimant", "context"])
def test_lone_surrogates_are_refused(database, field_name):
    data = ClaimInput(text="ok")
    setattr(data, field_name, "broken \ud83d half")
    refused(services.create_claim, data, field=field_name, words="lone UTF-16 surrogate")


def test_any_unicode_round_trips(database):
    text = "ယနေ့ တပ်ဖွဲ့ ၄၃ ဦး 🇲🇲 — مرحبا — 你好 — Ελλάδα — ‏RTL‏ \u200d"
    claim = services.create_claim(ClaimInput(text=text, claimant="ဗိုလ်ချုပ်", location="Mandalay"))
    again = fields(claim.id)
    assert again.text == text and again.claimant_name == "ဗိုလ်ချုပ်"


@pytest.mark.parametrize(
    "value, words",
    [
        ("2023-02-30", "is not a real date"),
        ("2023-13", "is not a real date"),
        ("2023-00-10", "is not a real date"),
        ("2023-2-3", "is not a date"),
        ("23-11-05", "is not a date"),
        ("5 November 2023", "is not a date"),
        ("1700-01-01", "before 1800"),
    ],
)
def test_impossible_dates(database, value, words):
    err = refused(services.create_claim, ClaimInput(text="ok", claimed_on=value), field="claimed_on", words=words)
    assert value in str(err)


def test_future_dates_are_refused(database):
    later = date.today() + timedelta(days=40)
    refused(services.create_claim, ClaimInput(text="ok", claimed_on=later.isoformat()), field="claimed_on",
            words="in the future")
    refused(services.create_claim, ClaimInput(text="ok", claimed_on=str(date.today().year + 1)),
            field="claimed_on", words="in the future")


@pytest.mark.parametrize("value", ["2023", "2023-11", "2023-11-05", "2024-02-29", date.today().isoformat()])
def test_partial_and_full_dates_are_kept_as_typed(database, value):
    claim = services.create_claim(ClaimInput(text="ok", claimed_on=value))
    assert fields(claim.id).claimed_on == value


@pytest.mark.parametrize(
    "url, words",
    [
        ("file:///etc/passwd", "scheme 'file:'"),
        ("javascript:alert(1)", "scheme 'javascript:'"),
        ("data:text/html,hi", "scheme 'data:'"),
        ("smb://server/share", "scheme 'smb:'"),
        ("example.org/page", "has no scheme"),
        ("www.example.org", "has no scheme"),
        ("https://", "has no host"),
        ("https://exa mple.org/", "spaces or control characters"),
        ("https://example.org:99999/", "cannot be read"),
    ],
)
@pytest.mark.parametrize("field_name", ["appearance_url", "published_url"])
def test_bad_urls_on_claims(database, url, words, field_name):
    data = ClaimInput(text="ok")
    setattr(data, field_name, url)
    refused(services.create_claim, data, field=field_name, words=words)


def test_bad_url_in_other_appearances_names_the_line(database):
    data = ClaimInput(text="ok", other_appearances="https://example.org/a\n\njavascript:void(0)")
    refused(services.create_claim, data, field="other_appearances (line 3)", words="scheme 'javascript:'")


def test_other_appearances_are_cleaned(database):
    claim = services.create_claim(ClaimInput(text="ok", other_appearances="  https://a.example/1 \n\n\nhttps://b.example/2\n"))
    assert claim.other_appearances == "https://a.example/1\nhttps://b.example/2"


@pytest.mark.parametrize("priority, words", [(-1, "must be one of"), (4, "must be one of"), ("high", "not a number")])
def test_priority_out_of_range(database, priority, words):
    refused(services.create_claim, ClaimInput(text="ok", priority=priority), field="priority", words=words)


@pytest.mark.parametrize("priority", [0, 1, 2, 3])
def test_priority_in_range(database, priority):
    assert services.create_claim(ClaimInput(text="ok", priority=priority)).priority == priority


# --- tags and claimants ------------------------------------------------------------


def test_tags_are_deduplicated_case_insensitively(database):
    claim = services.create_claim(ClaimInput(text="ok", tags=["Displacement", "displacement ", "DISPLACEMENT",
                                                            "army", "", "  "]))
    assert fields(claim.id).tags_text == "army; Displacement"
    assert services.claim_tag_names(claim.id) == ["army", "Displacement"]
    other = services.create_claim(ClaimInput(text="ok 2", tags="ARMY; Ceasefire, ceasefire"))
    assert fields(other.id).tags_text == "army; Ceasefire", "existing tag reused with its spelling"
    assert Tag.select().count() == 3


def test_a_semicolon_separates_tags_even_inside_a_list_item(database):
    claim = services.create_claim(ClaimInput(text="ok", tags=["army; navy", "Sagaing, Myanmar"]))
    assert services.claim_tag_names(claim.id) == ["army", "navy", "Sagaing, Myanmar"]
    assert fields(claim.id).tags_text == "army; navy; Sagaing, Myanmar"


def test_tags_in_other_scripts_are_matched_case_insensitively(database):
    services.create_claim(ClaimInput(text="ok", tags=["Беженцы"]))
    claim = services.create_claim(ClaimInput(text="ok 2", tags=["БЕЖЕНЦЫ"]))
    assert Tag.select().count() == 1
    assert fields(claim.id).tags_text == "Беженцы"


@pytest.mark.parametrize("first, second", [("Ministry of Defence", "ministry OF defence"),
                                           ("Министерство обороны", "МИНИСТЕРСТВО ОБОРОНЫ"),
                                           ("ÉTAT-MAJOR", "état-major")])
def test_claimant_find_or_create_is_case_insensitive(database, first, second):
    a = services.create_claim(ClaimInput(text="one", claimant=first))
    b = services.create_claim(ClaimInput(text="two", claimant=second))
    assert Claimant.select().count() == 1
    assert a.claimant_id == b.claimant_id
    assert fields(b.id).claimant_name == first


def test_claimant_is_optional(database):
    claim = services.create_claim(ClaimInput(text="ok", claimant="   "))
    assert claim.claimant_id is None and claim.claimant_name == ""
    assert Claimant.select().count() == 0


def test_claimant_rename_updates_claims_and_index(database):
    a = services.create_claim(ClaimInput(text="one", claimant="Press office"))
    b = services.create_claim(ClaimInput(text="two", claimant="press office"))
    services.update_claimant(a.claimant_id, "Presidential press office", kind="organisation")
    assert fields(a.id).claimant_name == fields(b.id).claimant_name == "Presidential press office"
    hits = list(search.claim_ids(search.ClaimFilter(text="presidential")).tuples())
    assert sorted(h[0] for h in hits) == sorted([a.id, b.id])
    assert Claimant.get_by_id(a.claimant_id).kind == "organisation"


def test_claimant_rename_refuses_a_clash_and_a_bad_kind(database):
    a = services.create_claim(ClaimInput(text="one", claimant="Wire agency"))
    b = services.create_claim(ClaimInput(text="two", claimant="Local radio"))
    err = refused(services.update_claimant, a.claimant_id, "LOCAL RADIO", field="name", words="already called")
    assert err.existing_id == b.claimant_id
    refused(services.update_claimant, a.claimant_id, "", field="name", words="is required")
    refused(services.update_claimant, a.claimant_id, "Wire agency", kind="robot", field="kind", words="robot")
    services.update_claimant(a.claimant_id, "WIRE AGENCY")  # its own name in other case is fine
    assert fields(a.id).claimant_name == "WIRE AGENCY"


def test_missing_rows_raise_not_found(database):
    with pytest.raises(NotFoundError, match="No claim with id 999"):
        services.update_claim(999, ClaimInput(text="x"))
    with pytest.raises(NotFoundError):
        services.set_status(999, "in_progress")
    with pytest.raises(NotFoundError):
        services.unlink_evidence(999)


# --- headline, tags_text, history of edits ------------------------------------------


def test_headline_follows_short_text_else_the_start_of_text(database):
    long_text = "word " * 100
    claim = services.create_claim(ClaimInput(text=long_text))
    assert len(claim.headline) <= 160 and claim.headline.endswith("…")
    assert "\n" not in services.create_claim(ClaimInput(text="two\nlines")).headline
    services.update_claim(claim.id, ClaimInput(text=long_text, short_text="Short form"))
    assert fields(claim.id).headline == "Short form"
    services.update_claim(claim.id, ClaimInput(text="Now brief"))
    assert fields(claim.id).headline == "Now brief"


def test_update_claim_keeps_tags_text_and_records_text_history(database):
    services.set_actor("Aung")
    claim = services.create_claim(ClaimInput(text="Original wording", tags=["b", "a"]))
    services.update_claim(claim.id, ClaimInput(text="Better wording", tags=["c"]), reason="typo")
    again = fields(claim.id)
    assert again.tags_text == "c"
    assert services.claim_tag_names(claim.id) == ["c"]
    rows = history(claim.id, "text")
    assert [(r.old_value, r.new_value, r.who, r.reason, r.is_correction) for r in rows] == [
        ("Original wording", "Better wording", "Aung", "typo", False)
    ]
    assert history(claim.id, "created")[0].who == "Aung"
    assert again.updated_at >= again.created_at


def test_who_given_explicitly_wins_over_the_actor(database):
    services.set_actor("Default checker")
    claim = services.create_claim(ClaimInput(text="x"), who="Someone else")
    assert history(claim.id, "created")[0].who == "Someone else"


# --- sources and evidence -----------------------------------------------------------


def test_source_needs_a_title_or_url(database):
    refused(services.create_source, SourceInput(), field="title", words="needs a title or a web address")


def test_source_without_title_takes_its_url(database):
    s = services.create_source(SourceInput(url="https://Example.org/report?utm_source=x"))
    assert s.url == "https://example.org/report" and s.title == s.url


@pytest.mark.parametrize(
    "data, field_name, words",
    [
        (SourceInput(title="t", url="file:///c/report.pdf"), "url", "scheme 'file:'"),
        (SourceInput(title="t", url="no scheme here"), "url", "spaces or control"),
        (SourceInput(title="t", kind="blog"), "kind", "'blog' is not one of"),
        (SourceInput(title="t", credibility="great"), "credibility", "'great' is not one of"),
        (SourceInput(title="t", published_on="2023-02-30"), "published_on", "not a real date"),
        (SourceInput(title="t", accessed_on="2099-01-01"), "accessed_on", "in the future"),
        (SourceInput(title="t" * 1001), "title", "limit is 1,000"),
        (SourceInput(title="t", archives=[services.ArchiveInput(url="")]), "archive 1 url", "is required"),
        (SourceInput(title="t", archives=[services.ArchiveInput(url="https://web.archive.org/x", captured_at="soon")]),
         "archive 1 captured_at", "not an ISO 8601"),
    ],
)
def test_source_rules(database, data, field_name, words):
    refused(services.create_source, data, field=field_name, words=words)


def test_duplicate_source_url_raises_with_existing_id(database):
    first = services.create_source(SourceInput(title="Report", url="https://example.org/r?id=4&utm_medium=x"))
    err = refused(services.create_source, SourceInput(title="Again", url="HTTPS://EXAMPLE.org:443/r?id=4#top"),
                  field="url", words="already in the library")
    assert err.existing_id == first.id
    second = services.create_source(SourceInput(title="Other", url="https://example.org/r?id=5"))
    err = refused(services.update_source, second.id, SourceInput(title="Other", url="https://example.org/r?id=4"),
                  field="url", words="already in the library")
    assert err.existing_id == first.id
    assert services.find_source_by_url("https://example.org/r?id=4&fbclid=abc").id == first.id


def test_archives_are_stored_with_a_guessed_service(database):
    s = services.create_source(SourceInput(title="t", archives=[
        services.ArchiveInput(url="https://web.archive.org/web/2023/https://example.org/"),
        services.ArchiveInput(url="https://archive.ph/abcd", captured_at="2023-11-05T10:00:00+02:00"),
    ]))
    rows = sorted((a.service, a.captured_at) for a in Archive.select().where(Archive.source == s.id))
    assert rows == [("archive_today", "2023-11-05T08:00:00.000000Z"), ("wayback", "")]


def _claim_counts(claim_id):
    c = fields(claim_id)
    return c.n_supports, c.n_refutes, c.n_context, c.n_appearance, c.n_sources


def test_counters_follow_link_update_unlink(database, make_claim, make_source):
    claim = make_claim()
    s1, s2 = make_source(title="Agency wire"), make_source()
    e1 = services.link_evidence(claim.id, s1.id, "supports", quote="43 soldiers fled")
    e2 = services.link_evidence(claim.id, s2.id, "context")
    e3 = services.link_evidence(claim.id, s1.id, "refutes", locator="p. 4")
    assert _claim_counts(claim.id) == (1, 1, 1, 0, 3)
    assert Source.get_by_id(s1.id).n_claims == 1 and Source.get_by_id(s2.id).n_claims == 1
    services.update_evidence(e2.id, "appearance")
    assert _claim_counts(claim.id) == (1, 1, 0, 1, 3)
    services.unlink_evidence(e1.id)
    assert _claim_counts(claim.id) == (0, 1, 0, 1, 2)
    assert Source.get_by_id(s1.id).n_claims == 1
    services.unlink_evidence(e3.id)
    assert Source.get_by_id(s1.id).n_claims == 0
    assert list(search.claim_ids(search.ClaimFilter(text="agency")).tuples()) == []
    removed = services.unlink_evidence(e2.id)
    assert removed["stance"] == "appearance" and removed["source_id"] == s2.id
    assert _claim_counts(claim.id) == (0, 0, 0, 0, 0)


def test_linked_source_titles_are_searchable(database, make_claim, make_source):
    claim = make_claim()
    source = make_source(title="Quarterly casualty bulletin")
    services.link_evidence(claim.id, source.id, "context")
    assert [r[0] for r in search.claim_ids(search.ClaimFilter(text="casualty")).tuples()] == [claim.id]
    services.update_source(source.id, SourceInput(title="Monthly bulletin", url=source.url))
    assert [r[0] for r in search.claim_ids(search.ClaimFilter(text="casualty")).tuples()] == []
    assert [r[0] for r in search.claim_ids(search.ClaimFilter(text="monthly")).tuples()] == [claim.id]


def test_same_source_twice_only_with_a_different_locator(database, make_claim, make_source):
    claim, source = make_claim(), make_source()
    services.link_evidence(claim.id, source.id, "supports", locator="para 2")
    refused(services.link_evidence, claim.id, source.id, "refutes", locator=" para 2 ", field="locator",
            words="already cites this source with locator")
    services.link_evidence(claim.id, source.id, "context")
    refused(services.link_evidence, claim.id, source.id, "context", field="locator",
            words="already cites this source with no locator")
    e = services.link_evidence(claim.id, source.id, "context", locator="para 9")
    refused(services.update_evidence, e.id, "context", locator="para 2", field="locator", words="already cites")
    assert Evidence.select().count() == 3


@pytest.mark.parametrize(
    "kwargs, field_name, words",
    [
        ({"stance": "agrees"}, "stance", "'agrees' is not one of"),
        ({"stance": "supports", "locator": "x" * 501}, "locator", "limit is 500"),
        ({"stance": "supports", "quote": "bad \x00 byte"}, "quote", "control character"),
    ],
)
def test_link_rules(database, make_claim, make_source, kwargs, field_name, words):
    claim, source = make_claim(), make_source()
    refused(services.link_evidence, claim.id, source.id, field=field_name, words=words, **kwargs)


def test_source_cited_by_a_claim_cannot_be_deleted(database, make_claim, make_source):
    claim, source = make_claim(), make_source(title="Cited report")
    services.link_evidence(claim.id, source.id, "supports")
    refused(services.delete_source, source.id, field="source", words="cited by 1 claim")
    lonely = make_source()
    services.delete_source(lonely.id)
    assert Source.get_or_none(Source.id == lonely.id) is None


# --- workflow: transitions, gates, reasons ------------------------------------------

PATHS = {
    "unstarted": [],
    "in_progress": [("in_progress", "")],
    "on_hold": [("on_hold", "")],
    "needs_review": [("in_progress", ""), ("needs_review", "")],
    "final": [("in_progress", ""), ("needs_review", ""), ("final", "")],
    "reopened": [("in_progress", ""), ("needs_review", ""), ("final", ""), ("reopened", "a correction came in")],
    "cancelled": [("cancelled", "duplicate of another claim")],
}


def ready_claim(status: str) -> int:
    """A claim with a verdict and a supporting source, walked to ``status``."""
    claim = services.create_claim(ClaimInput(text=f"A claim that ends up {status}"))
    source = services.create_source(SourceInput(title=f"Source for {status}", url=f"https://e.example/{claim.id}"))
    services.link_evidence(claim.id, source.id, "supports")
    services.set_verdict(claim.id, "misleading", "Only partly true.")
    for step, reason in PATHS[status]:
        services.set_status(claim.id, step, reason=reason)
    assert fields(claim.id).status == status
    return claim.id


ALL_PAIRS = [(a, b) for a, b in itertools.product(STATUSES, STATUSES) if a != b]


@pytest.mark.parametrize("old, new", ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_every_status_transition(database, old, new):
    services.set_actor("Reviewer")
    cid = ready_claim(old)
    n_history = len(history(cid))
    if new in TRANSITIONS[old]:
        services.set_status(cid, new, reason="because the desk said so")
        claim = fields(cid)
        assert claim.status == new
        last = history(cid)[-1]
        assert (last.field, last.old_value, last.new_value, last.who, last.reason) == (
            "status", old, new, "Reviewer", "because the desk said so")
        assert last.is_correction == (old in ("final", "reopened"))
        if new == "final":
            assert claim.finalised_at is not None
    else:
        with pytest.raises(WorkflowError) as caught:
            services.set_status(cid, new, reason="because the desk said so")
        message = str(caught.value)
        assert caught.value.field == "status"
        assert f"cannot go from {STATUSES[old].label} to {STATUSES[new].label}" in message
        for allowed in TRANSITIONS[old]:
            assert STATUSES[allowed].label in message.split("it can go to:")[1]
        assert fields(cid).status == old
        assert len(history(cid)) == n_history


def test_same_status_and_unknown_status_are_refused(database, make_claim):
    claim = make_claim()
    with pytest.raises(WorkflowError, match="already Unstarted"):
        services.set_status(claim.id, "unstarted")
    with pytest.raises(WorkflowError, match="'done' is not a work status"):
        services.set_status(claim.id, "done")


@pytest.mark.parametrize("start", ["in_progress", "reopened"])
@pytest.mark.parametrize(
    "verdict, stance, missing",
    [
        (None, None, ("verdict", "evidence")),
        ("false", None, ("evidence",)),
        ("false", "context", ("evidence",)),
        ("false", "appearance", ("evidence",)),
        (None, "refutes", ("verdict",)),
    ],
)
def test_gates_name_what_is_missing(database, make_source, start, verdict, stance, missing):
    cid = ready_claim(start)  # has a verdict and a supporting source: take them away
    if start == "reopened":
        services.set_status(cid, "in_progress")
    services.unlink_evidence(Evidence.get(Evidence.claim == cid).id)
    services.set_verdict(cid, None)
    if stance:
        services.link_evidence(cid, make_source().id, stance)
    if verdict:
        services.set_verdict(cid, verdict)
    before = len(history(cid))
    with pytest.raises(WorkflowError) as caught:
        services.set_status(cid, "needs_review")
    err = caught.value
    assert err.missing == missing
    message = str(err)
    assert ("a verdict" in message) == ("verdict" in missing)
    assert ("supports or refutes" in message) == ("evidence" in missing)
    assert message.startswith("status: to move to Needs review the claim needs")
    assert fields(cid).status == "in_progress"
    assert len(history(cid)) == before


def test_gate_passes_with_verdict_and_a_refuting_source(database, make_claim, make_source):
    claim = make_claim()
    services.link_evidence(claim.id, make_source().id, "refutes")
    services.set_verdict(claim.id, "false")
    services.set_status(claim.id, "in_progress")
    services.set_status(claim.id, "needs_review")
    services.set_status(claim.id, "final")
    assert fields(claim.id).status == "final"


@pytest.mark.parametrize("old, new", [("unstarted", "cancelled"), ("in_progress", "cancelled"),
                                      ("final", "reopened"), ("cancelled", "reopened")])
def test_reason_required(database, old, new):
    cid = ready_claim(old)
    for blank in ("", "   "):
        with pytest.raises(WorkflowError) as caught:
            services.set_status(cid, new, reason=blank)
        assert caught.value.missing == ("reason",)
        assert "needs a reason" in str(caught.value)
    assert fields(cid).status == old


def test_reason_not_required_to_reopen_from_elsewhere_and_put_on_hold(database):
    cid = ready_claim("unstarted")
    services.set_status(cid, "on_hold")
    services.set_status(cid, "in_progress")
    assert fields(cid).status == "in_progress"


def test_verdict_rules(database, make_claim):
    claim = make_claim()
    with pytest.raises(WorkflowError, match="'wrong' is not a verdict"):
        services.set_verdict(claim.id, "wrong")
    services.set_verdict(claim.id, "unverified", "Nothing found yet.")
    services.set_verdict(claim.id, "")  # cleared
    assert fields(claim.id).verdict is None
    rows = history(claim.id, "verdict")
    assert [(r.old_value, r.new_value) for r in rows] == [(None, "unverified"), ("unverified", None)]
    refused(services.set_verdict, claim.id, "true", "bad \x01", field="verdict_explanation", words="control")


def test_verdict_changes_refused_on_final_claims(database):
    cid = ready_claim("final")
    for verdict in ("true", None):
        with pytest.raises(WorkflowError) as caught:
            services.set_verdict(cid, verdict)
        assert "final; reopen it" in str(caught.value) and caught.value.missing == ("reopen",)
    with pytest.raises(WorkflowError, match="final"):
        services.set_verdict(cid, "misleading", "A new explanation")
    assert fields(cid).verdict == "misleading"


def test_verdict_refused_on_cancelled_and_kept_in_review(database):
    with pytest.raises(WorkflowError, match="cancelled"):
        services.set_verdict(ready_claim("cancelled"), "true")
    cid = ready_claim("needs_review")
    with pytest.raises(WorkflowError, match="must keep a verdict"):
        services.set_verdict(cid, None)
    services.set_verdict(cid, "false")  # changing it is fine
    assert fields(cid).verdict == "false"


def test_final_claims_refuse_text_and_evidence_changes(database, make_source):
    cid = ready_claim("final")
    claim = fields(cid)
    refused(services.update_claim, cid, ClaimInput(text="Rewritten"), field="text", words="the claim is final")
    data = ClaimInput.from_claim(claim)
    data.location = "Sagaing"
    services.update_claim(cid, data)  # the text is unchanged: other fields may be edited
    assert fields(cid).location == "Sagaing"
    with pytest.raises(WorkflowError, match="final"):
        services.link_evidence(cid, make_source().id, "context")
    only = Evidence.get(Evidence.claim == cid)
    with pytest.raises(WorkflowError, match="final"):
        services.unlink_evidence(only.id)


def test_unlinking_the_last_decisive_source_of_a_claim_in_review(database, make_source):
    cid = ready_claim("needs_review")
    only = Evidence.get(Evidence.claim == cid)
    with pytest.raises(WorkflowError, match="only supporting or refuting source"):
        services.unlink_evidence(only.id)
    with pytest.raises(WorkflowError, match="only supporting or refuting source"):
        services.update_evidence(only.id, "context")
    assert Evidence.select().where(Evidence.claim == cid).count() == 1
    second = services.link_evidence(cid, make_source().id, "refutes")
    services.unlink_evidence(only.id)  # another decisive one remains
    services.update_evidence(second.id, "supports")
    assert _claim_counts(cid) == (1, 0, 0, 0, 1)


def test_corrections_after_final_are_marked(database):
    services.set_actor("Editor")
    cid = ready_claim("final")
    assert not any(r.is_correction for r in history(cid))
    services.set_status(cid, "reopened", reason="reader pointed out an error")
    services.set_verdict(cid, "false", "Revised after new figures.", reason="new figures")
    services.update_claim(cid, ClaimInput(text="Corrected wording"), reason="clarity")
    later = [r for r in history(cid) if r.field in ("status", "verdict", "verdict_explanation", "text")][-4:]
    assert [r.field for r in later] == ["status", "verdict", "verdict_explanation", "text"]
    assert all(r.is_correction for r in later)
    assert later[0].reason == "reader pointed out an error"
    assert later[1].old_value == "misleading" and later[1].new_value == "false" and later[1].who == "Editor"


# --- trash, restore, purge ----------------------------------------------------------


def test_trash_restore_purge(database, make_claim, make_source):
    a, b = make_claim("first"), make_claim("second")
    source = make_source()
    services.link_evidence(a.id, source.id, "supports")
    services.set_verdict(a.id, "true")
    n_history = len(history(a.id))
    assert services.trash_claims([a.id, b.id]) == 2
    assert services.trash_claims([a.id]) == 0, "already in the trash"
    assert fields(a.id).deleted_at is not None
    assert services.restore_claims([a.id]) == 1
    assert fields(a.id).deleted_at is None
    assert len(history(a.id)) == n_history + 2, "trash and restore are recorded; nothing lost"
    assert services.purge_claims([a.id]) == 0, "only claims in the trash can be purged"
    assert Claim.get_or_none(Claim.id == a.id) is not None
    assert services.purge_claims([b.id]) == 1
    assert Claim.get_or_none(Claim.id == b.id) is None
    assert ClaimIndex.select().where(ClaimIndex.rowid == b.id).count() == 0
    assert History.select().where(History.claim == b.id).count() == 0
    services.trash_claims([a.id])
    assert services.empty_trash() == 1
    assert Claim.select().count() == 0 and Evidence.select().count() == 0
    assert Source.get_by_id(source.id).n_claims == 0, "counters follow a purge"
    assert services.empty_trash() == 0


# --- one transaction per call -------------------------------------------------------


def test_failure_mid_create_leaves_nothing(database, monkeypatch):
    import desktop.services.claims as claims_module

    before = counts()

    def broken(claim_id):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(claims_module, "reindex_claim", broken)
    with pytest.raises(RuntimeError, match="index exploded"):
        services.create_claim(ClaimInput(text="Never stored", claimant="New claimant", tags=["new tag"]))
    assert counts() == before
    assert Claimant.select().count() == 0 and Tag.select().count() == 0


def test_failure_mid_update_leaves_the_claim_as_it_was(database, make_claim, monkeypatch):
    import desktop.services.claims as claims_module

    claim = make_claim("Before", claimant="Old name", tags=["old"])
    before = counts()
    snapshot = Claim.get_by_id(claim.id).__data__.copy()
    monkeypatch.setattr(claims_module, "reindex_claim", lambda cid: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        services.update_claim(claim.id, ClaimInput(text="After", claimant="Other name", tags=["new"]))
    assert Claim.get_by_id(claim.id).__data__ == snapshot
    assert counts() == before


def test_disk_full_becomes_a_storage_error_and_nothing_is_kept(database, make_claim):
    make_claim("Something already there")
    before = counts()
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StorageError) as caught:
        for n in range(20):
            services.create_claim(ClaimInput(text=f"Long claim {n} " + "words " * 1500, context="c " * 90_000))
    assert caught.value.code == "SQLITE_FULL"
    assert "not saved" in str(caught.value)
    assert not database.in_transaction()
    database.execute_sql("PRAGMA max_page_count = 1073741823")
    assert Claim.select().count() >= before["Claim"]
    # the database is still usable and consistent afterwards
    services.create_claim(ClaimInput(text="After freeing space"))
    from desktop.checks import check_database

    assert check_database(database) == []


# --- any input: a clean refusal or an exact round trip ----------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=80), claimant=st.text(max_size=30), tag=st.text(max_size=20))
def test_any_input_is_stored_exactly_or_refused_by_field(database, text, claimant, tag):
    before = counts()
    try:
        claim = services.create_claim(ClaimInput(text=text, claimant=claimant, tags=[tag]))
    except ValidationError as err:
        assert err.field in ("text", "claimant", "tags")
        assert str(err).startswith(err.field + ": ")
        assert counts() == before
        return
    stored = fields(claim.id)
    assert stored.text == text.strip()
    assert stored.claimant_name.casefold() == claimant.strip().casefold()
    names = [t.strip() for t in tag.split(";") if t.strip()]
    assert {n.casefold() for n in services.claim_tag_names(claim.id)} == {n.casefold() for n in names}
    assert [r[0] for r in search.claim_ids(search.ClaimFilter(ids=frozenset({claim.id}))).tuples()] == [claim.id]


def test_disk_full_at_commit_becomes_a_storage_error(database, monkeypatch):
    """SQLITE_FULL raised by COMMIT, then a failing ROLLBACK: the person still reads 'disk is full'."""
    import sqlite3

    from peewee import OperationalError

    def raise_sqlite_error(message, name):
        """As peewee does: the sqlite3 error, re-raised wrapped while it is being handled."""
        err = sqlite3.OperationalError(message)
        err.sqlite_errorname = name
        try:
            raise err
        except sqlite3.OperationalError as exc:
            raise OperationalError(exc, *exc.args)

    real_commit, real_rollback = database.commit, database.rollback

    def failing_commit():
        real_rollback()  # what SQLite does by itself after a disk-full commit
        raise_sqlite_error("database or disk is full", "SQLITE_FULL")

    def failing_rollback():
        raise_sqlite_error("cannot rollback - no transaction is active", "SQLITE_ERROR")

    monkeypatch.setattr(database, "commit", failing_commit)
    monkeypatch.setattr(database, "rollback", failing_rollback)
    with pytest.raises(StorageError) as caught:
        services.create_claim(ClaimInput(text="Lost to a full disk"))
    assert caught.value.code == "SQLITE_FULL"
    monkeypatch.setattr(database, "commit", real_commit)
    monkeypatch.setattr(database, "rollback", real_rollback)
    assert Claim.select().count() == 0


def test_a_deleted_source_comes_back_as_it_was_or_not_at_all(database, make_source):
    from desktop.models import Archive, Source

    source = make_source("Well survey", url="https://example.org/wells", notes="Field notes",
                         archives=[services.ArchiveInput("https://archive.ph/wells")])
    make_source("Another")  # a higher id: SQLite will not hand the deleted one's id to a new source
    removed = services.delete_source(source.id)
    assert Source.get_or_none(Source.id == source.id) is None and not Archive.select().count()
    back = services.restore_source(removed)
    assert (back.id, back.uuid, back.notes, back.n_claims) == (source.id, source.uuid, "Field notes", 0)
    assert [a.url for a in back.archives] == ["https://archive.ph/wells"]
    removed = services.delete_source(source.id)

    # Another source took its address meanwhile: refused, nothing written.
    twin = make_source("Wells again", url="https://example.org/wells")
    refused(services.restore_source, removed, field="url", words="already in the library")
    assert Source.select().count() == 2
    services.delete_source(twin.id)
    # ... or its uuid (an import brought the same source back under another id).
    services.create_source(services.SourceInput(title="Imported"))
    database.execute_sql("UPDATE source SET uuid = ? WHERE title = 'Imported'", (removed.uuid,))
    refused(services.restore_source, removed, field="source", words="now holds its place")
    assert Source.select().count() == 2 and Source.get_or_none(Source.id == removed.id) is None
