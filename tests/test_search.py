"""Full-text search (fts_query, index_text) and the one claim filter builder."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop import search, services
from desktop.models import Claim, ClaimIndex
from desktop.search import ClaimFilter, fts_query
from desktop.services import ClaimInput, SourceInput


def found(text: str, **filters) -> list[int]:
    return [r[0] for r in search.claim_ids(ClaimFilter(text=text, **filters)).tuples()]


def run_match(query: str) -> list[int]:
    return [r[0] for r in ClaimIndex.select(ClaimIndex.rowid).where(ClaimIndex.match(query)).tuples()]


HOSTILE = [
    '"', '""', '"""', "(", ")", "()", "((a", "a)", "*", "a*b", "-", "--", "-a", "- -", "NOT", "AND", "OR",
    "a OR", "OR a", "a AND NOT", "NEAR(a b)", "NEAR", "text:", ":", "text:foo", "{text context}: x", "^a", "a^",
    "+", "a + b", "'", "o'brien", "covid-19", "19-covid", "x:y:z", "\\", "\x00", "a\x00b", "🇲🇲", "\u200d",
    "\ud800", "a\udfffb", "*a", "a**", '"a" "', "a' OR '1'='1", "; DROP TABLE claim; --", "\t\n", "‏", "%", "_",
    "a - b", "rowid:1", "claim_fts:x", "(((((((((((((((((((((((((((((((((((((((((((a",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_fts_query_never_raises_and_always_runs(database, make_claim, text):
    make_claim("Covid-19 figures from O'Brien's report")
    query = fts_query(text)
    if query is not None:
        run_match(query)
    found(text)  # the whole filter path too


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text())
def test_fts_query_is_valid_for_any_text(database, text):
    query = fts_query(text)
    assert query is None or isinstance(query, str)
    if query is not None:
        run_match(query)  # raises if the MATCH expression is invalid


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list('ab "()*-:^+{}\'OR AND NOT NEAR\u1000\u103a\u1039\u0e01中'))))
def test_fts_query_is_valid_for_operator_soup(database, text):
    query = fts_query(text)
    if query is not None:
        run_match(query)


def test_empty_search_is_no_condition(database, make_claim):
    make_claim("one")
    assert fts_query("") is None and fts_query("   ") is None and fts_query(None) is None
    assert len(found("   ")) == 1


@pytest.fixture
def corpus(database, make_claim):
    ids = {
        "covid": make_claim("Covid-19 cases tripled in the camps, the ministry said").id,
        "obrien": make_claim("Colonel O'Brien denied the report").id,
        "phrase": make_claim("Troops withdrew from the northern bridge at dawn").id,
        "scrambled": make_claim("At dawn the bridge was held; troops from the north withdrew").id,
        "burmese": make_claim("မြန်မာနိုင်ငံ မန္တလေးမြို့တွင် စစ်သား ၄၃ ဦး နယ်စပ်ကို ဖြတ်ကျော်ထွက်ပြေးခဲ့သည်").id,
        "thai": make_claim("กองทัพประกาศว่าทหารสี่สิบสามนายข้ามชายแดนเมื่อคืนนี้").id,
        "chinese": make_claim("国防部发言人拒绝就边境事件发表评论").id,
        "accents": make_claim("Le général a annoncé un cessez-le-feu").id,
    }
    return ids


def test_hyphenated_and_apostrophe_words(corpus):
    assert found("covid-19") == [corpus["covid"]]
    assert found("COVID") == [corpus["covid"]]
    assert found("o'brien") == [corpus["obrien"]]
    assert found("O'Brien denied") == [corpus["obrien"]]


def test_exact_phrase(corpus):
    assert sorted(found("troops withdrew")) == sorted([corpus["phrase"], corpus["scrambled"]])
    assert found('"troops withdrew from the northern bridge"') == [corpus["phrase"]]
    assert found('"bridge was held"') == [corpus["scrambled"]]


def test_prefix_of_the_last_word(corpus):
    assert found("tripl") == [corpus["covid"]]
    assert found("camps minis") == [corpus["covid"]]
    assert found("minis camps") == [], "only the last word is a prefix"
    assert found("withdr", ) and sorted(found("withdr")) == sorted([corpus["phrase"], corpus["scrambled"]])


def test_exclusion_and_or(corpus):
    assert found("dawn -held") == [corpus["phrase"]]
    assert sorted(found("denied OR tripled")) == sorted([corpus["covid"], corpus["obrien"]])


def test_diacritics_are_ignored(corpus):
    assert found("general") == [corpus["accents"]]
    assert found("annonce") == [corpus["accents"]]


@pytest.mark.parametrize(
    "key, query",
    [
        ("burmese", "မန္တလေး"),  # Mandalay, inside a longer run
        ("burmese", "စစ်သား"),  # soldier
        ("burmese", "ထွက်ပြေး"),  # flee, in the middle of a word
        ("burmese", "နယ်စပ်"),  # border
        ("thai", "ทหาร"),  # soldier
        ("thai", "ชายแดน"),  # border
        ("chinese", "发言人"),  # spokesperson
        ("chinese", "边境"),  # border
    ],
)
def test_substrings_of_unbroken_scripts(corpus, key, query):
    assert found(query) == [corpus[key]]


def test_unbroken_script_near_misses_are_not_found(corpus):
    assert found("ချင်း") == []  # Chin: not in the text
    assert found("国防大学") == []
    assert found("ทหารเรือ") == []  # navy


def test_index_text_splits_only_unbroken_scripts():
    assert search.index_text("plain English text") == "plain English text"
    assert search.index_text("") == ""
    assert search.index_text("中文") == " 中 文 "
    split = search.index_text("မန္တလေး")
    assert split.split() == ["မန္တ", "လေး"]


def test_similar_claims_hint(corpus):
    hits = search.similar_claims("troops withdrew from the bridge")
    assert {h[0] for h in hits} >= {corpus["phrase"], corpus["scrambled"]}
    assert search.similar_claims("x") == []


def test_highlight_terms():
    assert search.highlight_terms('"exact phrase" word -other OR') == ["exact phrase", "other", "word"]


# --- the filter --------------------------------------------------------------------


@pytest.fixture
def spread(database, make_source):
    """A small spread of claims over every filter dimension."""
    mk = services.create_claim
    c = {
        "a": mk(ClaimInput(text="Shelling near the dam", claimant="Army", tags=["Dam", "Shelling"],
                           claimed_on="2023-11-05", priority=3)).id,
        "b": mk(ClaimInput(text="Convoy reached the city", claimant="Relief agency", tags=["aid"],
                           claimed_on="2023-11", priority=1)).id,
        "c": mk(ClaimInput(text="Dam was not damaged", claimant="army", tags=["dam"], claimed_on="2023",
                           priority=2)).id,
        "d": mk(ClaimInput(text="Curfew extended", claimed_on="2024-01-15")).id,
        "e": mk(ClaimInput(text="Bridge reopened to traffic", claimant="City council")).id,
    }
    src = make_source(title="Dam inspection report")
    services.link_evidence(c["a"], src.id, "supports")
    services.set_verdict(c["a"], "true")
    services.set_status(c["a"], "in_progress")
    services.set_status(c["a"], "needs_review")
    services.set_verdict(c["c"], "false")
    services.link_evidence(c["c"], src.id, "context")
    services.set_status(c["b"], "on_hold")
    services.trash_claims([c["e"]])
    return c


def ids_for(spread, *names):
    return sorted(spread[n] for n in names)


def test_filter_by_status(spread):
    assert sorted(found("", statuses=frozenset({"on_hold", "needs_review"}))) == ids_for(spread, "a", "b")
    assert sorted(found("", statuses=frozenset({"unstarted"}))) == ids_for(spread, "c", "d")


def test_filter_by_verdict_including_no_verdict(spread):
    assert found("", verdicts=frozenset({"true"})) == [spread["a"]]
    assert sorted(found("", verdicts=frozenset({""}))) == ids_for(spread, "b", "d")
    assert sorted(found("", verdicts=frozenset({"", "false"}))) == ids_for(spread, "b", "c", "d")


def test_filter_by_tag_is_case_insensitive_through_find_or_create(spread):
    from desktop.models import Tag

    dam = Tag.get(Tag.name == "Dam")
    aid = Tag.get(Tag.name == "aid")
    assert sorted(found("", tag_ids=frozenset({dam.id}))) == ids_for(spread, "a", "c")
    assert sorted(found("", tag_ids=frozenset({dam.id, aid.id}))) == ids_for(spread, "a", "b", "c")


def test_filter_by_claimant(spread):
    army = Claim.get_by_id(spread["a"]).claimant_id
    assert Claim.get_by_id(spread["c"]).claimant_id == army
    assert sorted(found("", claimant_ids=frozenset({army}))) == ids_for(spread, "a", "c")


@pytest.mark.parametrize(
    "date_from, date_to, expected",
    [
        ("2023-11", "2023-11", ["a", "b"]),
        ("2023-11-05", "", ["a", "d"]),
        ("", "2023-11-04", ["b", "c"]),
        ("2023", "2023", ["a", "b", "c"]),
        ("2024", "", ["d"]),
        ("", "2023", ["a", "b", "c"]),
        ("2023-12", "2024-01-14", []),
    ],
)
def test_filter_by_date_range_with_partial_dates(spread, date_from, date_to, expected):
    got = found("", date_from=date_from, date_to=date_to)
    assert sorted(got) == ids_for(spread, *expected)


def test_filter_no_sources_and_trash(spread):
    assert sorted(found("", no_sources=True)) == ids_for(spread, "b", "d")
    assert found("", trash=True) == [spread["e"]]
    assert found("bridge") == []
    assert found("bridge", trash=True) == [spread["e"]]


def test_filters_combine(spread):
    army = Claim.get_by_id(spread["a"]).claimant_id
    flt = dict(claimant_ids=frozenset({army}), date_from="2023-11")
    assert found("dam", **flt) == [spread["a"]]
    assert found("dam", **flt, verdicts=frozenset({"false"})) == []
    assert found("inspection") == ids_for(spread, "a", "c")[::-1] or sorted(found("inspection")) == ids_for(
        spread, "a", "c")
    assert found("inspection", no_sources=True) == []
    assert search.count_claims(ClaimFilter(text="dam", claimant_ids=frozenset({army}))) == 2
    assert found("", ids=frozenset({spread["a"], spread["e"]})) == [spread["a"]]


@pytest.mark.parametrize("key", sorted(search.SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True])
def test_sort_keys(spread, key, descending):
    column = search.SORT_KEYS[key].name
    rows = [(c.id, getattr(c, column)) for c in Claim.select().where(Claim.deleted_at.is_null())]
    expected = sorted(rows, key=lambda r: (r[1] is not None, r[1] if r[1] is not None else "", r[0]),
                      reverse=descending)
    assert found("", sort=key, descending=descending) == [r[0] for r in expected]


def test_unknown_sort_key_falls_back_to_updated_at(spread):
    assert found("", sort="no such column") == found("", sort="updated_at")


def test_filter_default_and_with(database):
    flt = ClaimFilter()
    assert flt.is_default
    assert not flt.with_(text="x").is_default
    assert flt.with_(sort="priority", descending=False).is_default


def test_source_index_follows_sources(database, make_source):
    s = make_source(title="Weekly casualty bulletin", publisher="Monitoring group")
    from desktop.models import SourceIndex

    hits = [r[0] for r in SourceIndex.select(SourceIndex.rowid).where(SourceIndex.match("casualty")).tuples()]
    assert hits == [s.id]
    services.update_source(s.id, SourceInput(title="Renamed", url=s.url))
    assert not SourceIndex.select().where(SourceIndex.match("casualty")).exists()


def test_similar_claims_finds_a_burmese_near_duplicate(database, make_claim):
    from desktop.search import similar_claims

    first = make_claim("တပ်မတော်သား ၄၄၇ ဦး လက်နက်ချ ကြောင်း သတင်း ထုတ်ပြန်")
    make_claim("Forty-three soldiers crossed the border, a wire agency reported.")
    found = similar_claims("တပ်မတော်သား လက်နက်ချ")
    assert [cid for cid, _headline, _score in found][:1] == [first.id]


def test_similar_claims_latin_words_still_match(database, make_claim):
    from desktop.search import similar_claims

    claim = make_claim("At least 447 personnel surrendered within three weeks, outlet X reported.")
    assert similar_claims("personnel surrendered in three weeks")[0][0] == claim.id
