"""URL validation and normalisation (desktop/urls.py), property-tested with Hypothesis."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.urls import TRACKING_PARAMS, normalize_url, openable_url, url_problem

# --- strategies: URLs built from known parts, so the test knows what to expect --------

_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=12)
hosts = st.builds(lambda labels, tld: ".".join(labels + [tld]), st.lists(_label, min_size=1, max_size=3),
                  st.sampled_from(["org", "COM", "Net", "mm", "th", "io"]))
schemes = st.sampled_from(["http", "https", "HTTP", "Https", "hTTp"])
_path_chars = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"),
    exclude_characters="?#\x7f\x85\xa0",
)
paths = st.one_of(
    st.just(""),
    st.lists(st.text(alphabet=_path_chars, max_size=10), max_size=4).map(lambda parts: "/" + "/".join(parts)),
)
_param_chars = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"),
    exclude_characters="&=#\x7f\x85\xa0",
)
param_names = st.one_of(
    st.text(alphabet=_param_chars, min_size=1, max_size=8).filter(
        lambda n: not n.lower().startswith("utm_") and n.lower() not in TRACKING_PARAMS),
)
tracking_names = st.one_of(
    st.sampled_from(sorted(TRACKING_PARAMS) + ["FBCLID", "Gclid"]),
    st.text(alphabet="abcxyz_", max_size=6).map(lambda s: st_utm(s)),
)


def st_utm(suffix: str) -> str:
    return ("UTM_" if len(suffix) % 2 else "utm_") + suffix


params = st.lists(
    st.tuples(st.booleans(), st.one_of(param_names, tracking_names), st.text(alphabet=_param_chars, max_size=8),
              st.booleans()),
    max_size=6,
)


def _query(items) -> tuple[str, list[str]]:
    """The query as typed and the pairs a normalised URL must keep, in order."""
    typed, kept = [], []
    for _unused, name, value, with_equals in items:
        pair = f"{name}={value}" if with_equals else name
        typed.append(pair)
        if not (name.lower().startswith("utm_") or name.lower() in TRACKING_PARAMS):
            kept.append(pair)
    return "&".join(typed), kept


ports = st.one_of(st.none(), st.sampled_from([80, 443, 8080, 8443, 1]))
fragments = st.one_of(st.none(), st.text(alphabet=_path_chars, max_size=10))


@st.composite
def urls(draw):
    scheme, host, port, path = draw(schemes), draw(hosts), draw(ports), draw(paths)
    query, kept = _query(draw(params))
    fragment = draw(fragments)
    url = f"{scheme}://{host}" + (f":{port}" if port is not None else "") + path
    if query or draw(st.booleans()):
        url += "?" + query
    if fragment is not None:
        url += "#" + fragment
    return url, dict(scheme=scheme, host=host, port=port, path=path, kept=kept)


@settings(max_examples=400, deadline=None)
@given(urls())
def test_normalize_url_properties(case):
    url, parts = case
    assert url_problem(url) is None, url
    norm = normalize_url(url)
    split = urlsplit(norm)
    assert split.scheme == parts["scheme"].lower()
    assert split.hostname == parts["host"].lower()
    assert split.netloc == parts["host"].lower() + (
        f":{parts['port']}" if parts["port"] not in (None, {"http": 80, "https": 443}[split.scheme]) else "")
    assert split.path == (parts["path"] or "/"), "the path is kept exactly as typed"
    assert split.fragment == "" and "#" not in norm
    kept = split.query.split("&") if split.query else []
    assert kept == parts["kept"], "non-tracking parameters keep their order and content"
    assert normalize_url(norm) == norm, "idempotent"
    assert url_problem(norm) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_normalize_url_on_any_text_is_idempotent_or_refuses(text):
    problem = url_problem(text)
    if problem is not None:
        assert isinstance(problem, str) and problem
        with pytest.raises(ValueError, match="The address"):
            normalize_url(text)
        assert openable_url(text) is None
        return
    norm = normalize_url(text)
    assert normalize_url(norm) == norm
    assert urlsplit(norm).scheme in ("http", "https")
    assert openable_url(text) == text


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://Example.ORG:443/Path/To?b=2&a=1#section", "https://example.org/Path/To?b=2&a=1"),
        ("http://example.org:80", "http://example.org/"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("https://example.org?utm_source=feed&utm_medium=rss", "https://example.org/"),
        ("https://example.org?id=7", "https://example.org/?id=7"),
        ("https://example.org/a?fbclid=XYZ&id=7&gclid=1&UTM_Campaign=z", "https://example.org/a?id=7"),
        ("https://example.org/a%20b/?q=caf%C3%A9", "https://example.org/a%20b/?q=caf%C3%A9"),
        ("https://user:pw@Example.org/", "https://user:pw@example.org/"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("https://example.org/#", "https://example.org/"),
        ("https://example.org/x?", "https://example.org/x"),
        ("https://мвд.рф/Новости", "https://мвд.рф/Новости"),
    ],
)
def test_normalize_url_examples(url, expected):
    assert normalize_url(url) == expected


def test_same_page_typed_two_ways_normalises_the_same():
    assert normalize_url("https://example.org?id=7") == normalize_url("https://example.org/?id=7")
    assert normalize_url("HTTPS://EXAMPLE.ORG") == normalize_url("https://example.org/#top")


@pytest.mark.parametrize(
    "url, words",
    [
        ("file:///etc/passwd", "scheme 'file:'"),
        ("FILE:///C:/report.pdf", "scheme 'file:'"),
        ("javascript:alert(1)", "scheme 'javascript:'"),
        ("JavaScript://example.org/%0aalert(1)", "scheme 'javascript:'"),
        ("data:text/html;base64,PGgxPmhpPC9oMT4=", "scheme 'data:'"),
        ("smb://fileserver/share/doc", "scheme 'smb:'"),
        ("ftp://example.org/file", "scheme 'ftp:'"),
        ("mailto:desk@example.org", "scheme 'mailto:'"),
        ("example.org/path", "no scheme"),
        ("//example.org/path", "no scheme"),
        ("/etc/passwd", "no scheme"),
        ("https://", "no host"),
        ("http:///path", "no host"),
        ("http:example.org", "no host"),
        ("https://exa mple.org", "spaces or control"),
        ("https://example.org/\x00", "spaces or control"),
        (" https://example.org", "spaces at the start or end"),
        ("", "is empty"),
        ("   ", "is empty"),
        ("https://example.org:0/", "out of range"),
        ("https://example.org:70000/", "cannot be read"),
        ("https://example.org:port/", "cannot be read"),
        ("http://[::1/", "cannot be read"),
        ("https://example.org/" + "a" * 5000, "longer than 4,096"),
    ],
)
def test_url_problem_refuses(url, words):
    problem = url_problem(url)
    assert problem is not None and words in problem
    assert openable_url(url) is None
    with pytest.raises(ValueError):
        normalize_url(url)


@pytest.mark.parametrize("url", ["https://example.org", "http://localhost:8000/x", "https://127.0.0.1/",
                                 "https://ဥပမာ.မြန်မာ/စာမျက်နှာ"])
def test_url_problem_accepts(url):
    assert url_problem(url) is None
    assert openable_url(url) == url
