"""Exchange: claims CSV, package and ClaimReview export; validated all-or-nothing import and merge."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from desktop import app, cli, services
from desktop import db as dbmod
from desktop.checks import check_database
from desktop.exchange import claimreview, claims_csv, csvcodec, import_fast, importer, package
from desktop.exchange.cli_export import export
from desktop.models import Claim, Evidence, History, Source, database as proxy
from desktop.search import ClaimFilter
from desktop.services.exchange import ImportRejected, apply_import, mark_exported

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("claimant", "tag", "claim", "claim_tag", "source", "archive", "evidence", "history")


def dump() -> dict:
    """Every row of every table (and the search index), to compare before and after."""
    out = {t: proxy.execute_sql(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}
    out["claim_fts"] = proxy.execute_sql("SELECT rowid, * FROM claim_fts ORDER BY rowid").fetchall()
    return out


@contextlib.contextmanager
def bound(path: Path):
    """Bind the models to another database file for the block, then back."""
    previous = proxy.obj
    db = dbmod.open_database(path)
    try:
        yield db
    finally:
        dbmod.close_database(db)
        proxy.initialize(previous)


def run_cli(*args) -> int:
    """``claimlog ARGS`` in this process; the models stay bound to the test database."""
    previous = proxy.obj
    try:
        return app.main([str(a) for a in args])
    finally:
        proxy.initialize(previous)


def healthy() -> None:
    assert check_database(proxy.obj) == []


def export_csv(path, **kw):
    return claims_csv.export_claims_csv(path, ClaimFilter(), **kw)


def import_file(path, **kw):
    return apply_import(importer.read_file(path), **kw)


def write_csv(path: Path, header, rows) -> Path:
    path.write_bytes(csvcodec.encode_rows(list(header), rows))
    return path


@pytest.fixture
def sample(database, make_claim, make_source):
    """Three claims, one final with a supporting source, one with a confidential source."""
    public = make_source("Health ministry bulletin", "https://health.example/bulletin?utm_source=x")
    secret = make_source("Interview notes", "https://private.example/notes", confidential=True,
                         notes="met at the border")
    offline = services.create_source(services.SourceInput(title="Printed leaflet", kind="document"))
    a = make_claim("=SUM(A1:A3) people were displaced, the office said", claimant="Relief office",
                   tags=["displacement", "camps"], claimed_on="2024-03")
    services.link_evidence(a.id, public.id, "supports", quote="at least 447", locator="p. 3", note="table 2")
    services.link_evidence(a.id, offline.id, "context")
    services.set_status(a.id, "in_progress")
    services.set_verdict(a.id, "false", "The bulletin says fewer.")
    services.set_status(a.id, "needs_review")
    services.set_status(a.id, "final")
    b = make_claim("Line one\nline two, with \"quotes\"; and a comma", claimant="relief OFFICE",
                   context="-5 degrees overnight")
    services.link_evidence(b.id, secret.id, "refutes", quote="off the record")
    c = make_claim("+43 soldiers crossed the border", claimant="Wire agency")
    return {"a": a.id, "b": b.id, "c": c.id, "public": public.id, "secret": secret.id, "offline": offline.id}


# -- claims CSV -------------------------------------------------------------------------


def test_claims_csv_columns_and_bytes(sample, tmp_path):
    out = tmp_path / "claims.csv"
    result = export_csv(out)
    assert result.claims == 3
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"").replace(b"Line one\nline", b"")
    text = data.decode("utf-8-sig")
    header = text.split("\r\n", 1)[0].split(",")
    assert header[:10] == ["uuid", "text", "claimant", "claimed_on", "status", "verdict", "tags", "sources",
                           "created_at", "updated_at"]
    table = csvcodec.read_table(text, "claims.csv", [])
    rows = {csvcodec.cell_value(r[1]): dict(zip(table.header, r)) for _, r in table.rows}
    first = rows["=SUM(A1:A3) people were displaced, the office said"]
    assert first["text"].startswith("'=SUM")  # neutralised in the file
    assert first["status"] == "final" and first["verdict"] == "false"
    assert first["tags"] == "camps; displacement"
    public_uuid = Source.get_by_id(sample["public"]).uuid
    offline_uuid = Source.get_by_id(sample["offline"]).uuid
    assert first["sources"] == ("context urn:uuid:" + offline_uuid + "; supports https://health.example/bulletin")
    assert public_uuid not in first["sources"]
    second = rows["Line one\nline two, with \"quotes\"; and a comma"]
    assert second["claimant"] == "Relief office"  # matched case-insensitively
    assert "private.example" not in text  # confidential: withheld
    assert second["sources"] == "refutes urn:uuid:" + Source.get_by_id(sample["secret"]).uuid
    assert rows["+43 soldiers crossed the border"]["text"] == "'+43 soldiers crossed the border"
    with_confidential = tmp_path / "all.csv"
    export_csv(with_confidential, include_confidential=True)
    assert "refutes https://private.example/notes" in with_confidential.read_text("utf-8-sig")


def test_claims_csv_round_trip_is_byte_identical(sample, tmp_path):
    first = tmp_path / "first.csv"
    export_csv(first)
    other = tmp_path / "colleague.db"
    with bound(other):
        result = import_file(first)
        assert result.counts["added"] == 3
        healthy()
        second = tmp_path / "second.csv"
        export_csv(second)
        again = import_file(first)
        assert again.counts == {"added": 0, "updated": 0, "kept": 0, "conflict": 0, "unchanged": 3}
    assert first.read_bytes() == second.read_bytes()


def test_export_follows_the_filter_and_selection(sample, tmp_path):
    out = tmp_path / "sel.csv"
    result = claims_csv.export_claims_csv(out, ClaimFilter(ids=frozenset({sample["c"]})))
    assert result.claims == 1
    assert "+43 soldiers" in out.read_text("utf-8-sig")
    result = claims_csv.export_claims_csv(out, ClaimFilter(statuses=frozenset({"final"})))
    assert result.claims == 1


def test_failed_export_leaves_no_half_written_file(sample, tmp_path):
    out = tmp_path / "claims.csv"
    out.write_text("the previous export\n")

    def cancel(done, total):
        return False

    with pytest.raises(csvcodec.Cancelled):
        claims_csv.export_claims_csv(out, ClaimFilter(), progress=cancel)
    with pytest.raises(csvcodec.Cancelled):
        package.export_package(tmp_path / "p.zip", ClaimFilter(), progress=cancel)
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("claims.db")) == ["claims.csv"]


class _FullDisk:
    """A file that accepts ``room`` characters, then fails as a full disk does."""

    def __init__(self, handle, room):
        self._handle, self._room = handle, room

    def write(self, data):
        self._room -= len(data)
        if self._room < 0:
            raise OSError(28, "No space left on device")
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        self._handle.__enter__()
        return self

    def __exit__(self, *exc):
        return self._handle.__exit__(*exc)


def test_export_to_a_full_disk_leaves_the_previous_file_and_no_part(sample, tmp_path, monkeypatch):
    out = tmp_path / "claims.csv"
    out.write_text("the previous export\n")
    real_fdopen = csvcodec.os.fdopen
    monkeypatch.setattr(csvcodec.os, "fdopen", lambda *a, **k: _FullDisk(real_fdopen(*a, **k), room=200))
    with pytest.raises(OSError) as raised:
        claims_csv.export_claims_csv(out, ClaimFilter())
    assert raised.value.errno == 28
    monkeypatch.undo()

    def full_at_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csvcodec.os, "fsync", full_at_fsync)
    with pytest.raises(OSError):
        package.export_package(tmp_path / "p.zip", ClaimFilter())
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("claims.db")) == ["claims.csv"]


# -- package -------------------------------------------------------------------------------


def _by_uuid():
    claims = {c.uuid: c for c in Claim.select()}
    sources = {s.uuid: s for s in Source.select()}
    evidence = sorted(
        (e.claim.uuid, e.source.uuid, e.stance, e.quote, e.locator, e.note, e.created_at) for e in Evidence.select()
    )
    history = sorted(
        (h.claim.uuid, h.field, h.old_value or "\0", h.new_value or "\0", h.old_value is None, h.new_value is None,
         h.who, h.at, h.reason, h.is_correction) for h in History.select()
    )
    return claims, sources, evidence, history


CLAIM_FIELDS = ("text", "short_text", "headline", "claimant_name", "claimed_on", "appearance_url",
                "other_appearances", "location", "language", "context", "priority", "status", "verdict",
                "verdict_explanation", "published_url", "tags_text", "n_supports", "n_refutes", "n_context",
                "n_appearance", "n_sources", "created_at", "updated_at", "deleted_at", "finalised_at")
SOURCE_FIELDS = ("kind", "title", "publisher", "published_on", "url", "accessed_on", "language", "credibility",
                 "notes", "confidential", "n_claims", "created_at", "updated_at")


def test_package_round_trip_is_lossless(sample, tmp_path):
    services.update_source(sample["public"], services.SourceInput(
        title="Health ministry bulletin", url="https://health.example/bulletin", publisher="Ministry",
        published_on="2024-03-02", accessed_on="2024-03-05", language="my", credibility="credible",
        notes="=not a formula", archives=[services.ArchiveInput("https://web.archive.org/web/2024/x", "",
                                                                 "2024-03-05T10:00:00Z")]))
    out = tmp_path / "all.zip"
    result = package.export_package(out, ClaimFilter(), include_confidential=True)
    assert (result.claims, result.sources) == (3, 3)
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == sorted(package.MEMBERS)
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format_version"] == package.FORMAT_VERSION and manifest["claimlog_version"]
    before = _by_uuid()
    archives = [(a.url, a.service, a.captured_at) for a in Source.get_by_id(sample["public"]).archives]
    with bound(tmp_path / "laptop.db"):
        import_file(out)
        healthy()
        after = _by_uuid()
        again = tmp_path / "again.zip"
        package.export_package(again, ClaimFilter(), include_confidential=True)
        got_archives = [(a.url, a.service, a.captured_at) for s in Source.select() for a in s.archives]
    for uuid, claim in before[0].items():
        for name in CLAIM_FIELDS:
            assert getattr(after[0][uuid], name) == getattr(claim, name), name
    for uuid, source in before[1].items():
        for name in SOURCE_FIELDS:
            assert getattr(after[1][uuid], name) == getattr(source, name), name
    assert after[2] == before[2]
    assert after[3] == before[3]
    assert got_archives == archives
    with zipfile.ZipFile(out) as a, zipfile.ZipFile(again) as b:
        for member in ("claims.csv", "sources.csv", "evidence.csv", "history.csv"):
            assert a.read(member) == b.read(member), member


def test_package_withholds_confidential_sources_by_default(sample, tmp_path):
    out = tmp_path / "p.zip"
    package.export_package(out, ClaimFilter())
    with zipfile.ZipFile(out) as zf:
        everything = b"".join(zf.read(m) for m in zf.namelist()).decode("utf-8", "replace")
    assert "private.example" not in everything
    assert "Interview notes" not in everything and "met at the border" not in everything
    assert "off the record" not in everything
    assert package.WITHHELD_TITLE in everything
    with bound(tmp_path / "laptop.db"):
        import_file(out)
        healthy()
        titles = sorted(s.title for s in Source.select())
    assert package.WITHHELD_TITLE in titles and "Interview notes" not in titles
    # later the colleague receives the source itself: the stub gives way to it
    full = tmp_path / "full.zip"
    package.export_package(full, ClaimFilter(), include_confidential=True)
    secret_uuid = Source.get_by_id(sample["secret"]).uuid
    with bound(tmp_path / "laptop.db"):
        result = import_file(full)
        assert result.sources_updated >= 1
        real = Source.get(Source.uuid == secret_uuid)
        assert (real.title, real.url) == ("Interview notes", "https://private.example/notes")
        healthy()


# -- ClaimReview ---------------------------------------------------------------------------


def test_claimreview_carries_the_required_fields(sample, tmp_path, make_claim):
    services.set_status(sample["a"], "reopened", reason="publish")
    Claim.update(published_url="https://desk.example/checks/1", short_text="Displacement figure").where(
        Claim.id == sample["a"]).execute()
    opinion = make_claim("Opinion piece", published_url="https://desk.example/checks/2")
    services.set_verdict(opinion.id, "not_checkable")
    unverified = make_claim("An unverified count", published_url="https://desk.example/checks/3",
                            appearance_url="https://social.example/p/1", claimant="Someone", claimed_on="2024")
    services.set_verdict(unverified.id, "unverified")
    make_claim("No verdict yet", published_url="https://desk.example/checks/4")
    out = tmp_path / "reviews.json"
    result = claimreview.export_claimreview(out, ClaimFilter(), author="Example Desk")
    reviews = json.loads(out.read_text("utf-8"))
    assert result.claims == len(reviews) == 2
    for review in reviews:
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        for name in claimreview.REQUIRED_FIELDS:
            assert review[name], name
        assert review["reviewRating"]["alternateName"]
        assert review["author"] == {"@type": "Organization", "name": "Example Desk"}
        assert review["itemReviewed"]["@type"] == "Claim"
        assert review["datePublished"]
    by_url = {r["url"]: r for r in reviews}
    false = by_url["https://desk.example/checks/1"]
    assert false["claimReviewed"] == "Displacement figure"
    assert false["reviewRating"] == {"@type": "Rating", "alternateName": "False", "ratingValue": 1,
                                     "bestRating": 5, "worstRating": 1}
    assert false["itemReviewed"]["author"]["name"] == "Relief office"
    assert false["itemReviewed"]["datePublished"] == "2024-03"
    other = by_url["https://desk.example/checks/3"]
    assert "ratingValue" not in other["reviewRating"]
    assert other["itemReviewed"]["firstAppearance"]["url"] == "https://social.example/p/1"


# -- rejected files --------------------------------------------------------------------------

GOOD = ["11111111-2222-4333-8444-555555555555", "A claim", "", "2024-01-02", "unstarted", "", "", "",
        "2024-01-02T10:00:00.000000Z", "2024-01-02T10:00:00.000000Z"]
HEADER = claims_csv.CLAIM_COLUMNS[:10]


def _rows(*changes):
    """GOOD with changes: (column, value) pairs; a row per group."""
    row = list(GOOD)
    for column, value in changes:
        row[HEADER.index(column)] = value
    return row


REJECTED = {
    "missing required column": (["uuid", "claimant"], [["", "x"]], 1, "text", "required column"),
    "bad uuid": (HEADER, [_rows(("uuid", "not-a-uuid"))], 2, "uuid", "not a UUID"),
    "duplicate uuid": (HEADER, [GOOD, _rows(("text", "Another"))], 3, "uuid", "also on row 2"),
    "unknown status": (HEADER, [_rows(("status", "done"))], 2, "status", "not a work status"),
    "unknown verdict": (HEADER, [_rows(("verdict", "pants_on_fire"))], 2, "verdict", "not a verdict"),
    "impossible date": (HEADER, [_rows(("claimed_on", "2023-02-30"))], 2, "claimed_on", "not a real date"),
    "impossible timestamp": (HEADER, [_rows(("updated_at", "2023-13-01T00:00:00Z"))], 2, "updated_at", "ISO 8601"),
    "empty text": (HEADER, [_rows(("text", "   "))], 2, "text", "empty"),
    "final without a decisive source": (HEADER, [_rows(("status", "final"), ("verdict", "false"),
                                                       ("sources", "context https://a.example/x"))],
                                        2, "sources", "no source that supports or refutes"),
    "bad source address": (HEADER, [_rows(("sources", "supports javascript:alert(1)"))], 2, "sources", "scheme"),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_rejected_file_changes_nothing_and_names_row_and_column(sample, tmp_path, capsys, case):
    header, rows, row, column, words = REJECTED[case]
    if header is HEADER:  # a good row after the bad one: it is not imported either
        rows = rows + [_rows(("uuid", "33333333-2222-4333-8444-555555555555"), ("text", "A good row"))]
    bad = write_csv(tmp_path / "bad.csv", header, rows)
    before = dump()
    assert run_cli("import", "--db", proxy.obj.path, bad) == cli.EXIT_REJECTED
    err = capsys.readouterr().err
    assert f"row {row}, column {column}: " in err and words in err, err
    assert "Traceback" not in err and "nothing was imported" in err
    assert dump() == before
    with pytest.raises(ImportRejected):
        import_file(bad)
    assert dump() == before


RAW_REJECTED = {
    "malformed quoting": (b'uuid,text,status\r\n,"fine",unstarted\r\n,"broken" here,unstarted\r\n', "row 3, column text",
                          "malformed quoting"),
    "unterminated quote": (b'uuid,text,status\r\n,ok,unstarted\r\n,"never closed,unstarted\r\n',
                           "row 3, column text", "malformed quoting"),
    "undecodable bytes": (b"uuid,text\r\n,caf\xe9 au lait\r\n,ok\r\n", "byte offset 15 (line 2)", "not valid UTF-8"),
    "stray cells": (b"uuid,text\r\n,one,two\r\n", "row 2", "has 3 cells"),
    "empty file": (b"", "bad.csv", "no header row"),
}


@pytest.mark.parametrize("case", sorted(RAW_REJECTED))
def test_rejected_raw_files(sample, tmp_path, capsys, case):
    data, where, words = RAW_REJECTED[case]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(data)
    before = dump()
    assert run_cli("import", "--db", proxy.obj.path, bad) == cli.EXIT_REJECTED
    err = capsys.readouterr().err
    assert where in err and words in err, err
    assert dump() == before


def test_every_problem_is_listed(database, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", HEADER, [
        _rows(("uuid", "nope")), _rows(("uuid", "44444444-2222-4333-8444-555555555555"), ("status", "x")),
        _rows(("uuid", ""), ("text", ""), ("verdict", "maybe")),
    ])
    problems = importer.read_file(bad).problems
    assert [(p.row, p.column) for p in problems] == [(2, "uuid"), (3, "status"), (4, "text"), (4, "verdict")]


def test_broken_package_is_rejected(database, tmp_path, capsys):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert run_cli("import", "--db", proxy.obj.path, bad) == cli.EXIT_REJECTED
    assert "not a readable zip" in capsys.readouterr().err
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(newer, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": package.FORMAT_NAME, "format_version": 99}))
        zf.writestr("claims.csv", "uuid,text\r\n")
    assert run_cli("import", "--db", proxy.obj.path, newer) == cli.EXIT_REJECTED
    assert "format 99" in capsys.readouterr().err


def test_package_evidence_must_point_somewhere(sample, tmp_path):
    out = tmp_path / "p.zip"
    package.export_package(out, ClaimFilter(ids=frozenset({sample["c"]})))
    with zipfile.ZipFile(out) as zf:
        members = {m: zf.read(m) for m in zf.namelist()}
    c_uuid = Claim.get_by_id(sample["c"]).uuid
    members["evidence.csv"] = csvcodec.encode_rows(package.EVIDENCE_COLUMNS, [
        [c_uuid, "99999999-2222-4333-8444-555555555555", "supports", "", "", "", ""]])
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    before = dump()
    with pytest.raises(ImportRejected) as info:
        import_file(out)
    assert "evidence.csv, row 2, column source_uuid" in str(info.value.problems[0])
    assert dump() == before


# -- accepted inputs -------------------------------------------------------------------------


def test_encodings_line_ends_and_long_fields(database, tmp_path):
    long_context = "x" * 150_000  # beyond Python's default CSV field limit of 131,072
    header = "uuid,text,claimant,context\n"
    body = ',"Quoted\nnewline, and ""quotes""",Someone,' + long_context + "\n,Second,,\n"
    for n, (encoding, bom) in enumerate([("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
                                         ("utf-16-be", b"\xfe\xff")]):
        for newline in ("\n", "\r\n"):
            text = (header + body).replace("\n", newline) if newline == "\n" else \
                header.replace("\n", "\r\n") + body.replace("\n", "\r\n")
            path = tmp_path / f"in-{n}-{len(newline)}.csv"
            path.write_bytes(bom + text.encode(encoding))
            incoming = importer.read_file(path)
            assert incoming.problems == [], (encoding, newline, incoming.problems[:2])
            texts = [r.values["text"] for r in incoming.claims]
            assert texts[0] == "Quoted" + newline + 'newline, and "quotes"'
            assert incoming.claims[0].values["context"] == long_context
    result = import_file(tmp_path / "in-0-1.csv")
    assert result.counts["added"] == 2
    healthy()


def test_spreadsheet_without_uuids_and_matching(database, make_source, tmp_path):
    existing = make_source("Known report", "https://example.org/report")
    services.create_claim(services.ClaimInput(text="Earlier", claimant="Army Spokesman", tags=["Border"]))
    path = write_csv(tmp_path / "sheet.csv", ["text", "claimant", "tags", "sources"], [
        ["From a sheet", "army spokesman", "border; new tag", "supports HTTPS://Example.org/report#top; "
                                                             "https://new.example/a?utm_source=mail"],
    ])
    result = import_file(path)
    assert result.counts["added"] == 1 and result.sources_added == 1
    claim = Claim.get(Claim.text == "From a sheet")
    assert claim.claimant_name == "Army Spokesman" and claim.tags_text == "Border; new tag"
    links = {(e.source.url, e.stance) for e in claim.evidence}
    assert links == {(existing.url, "supports"), ("https://new.example/a", "context")}
    assert claim.uuid and claim.synced_at == claim.updated_at
    assert History.select().where(History.claim == claim.id, History.field == "created").count() == 1
    healthy()
    # no uuid: each import adds a new claim, as documented
    assert import_file(path).counts["added"] == 1


# -- merge -------------------------------------------------------------------------------------


def _edit(claim_id, **changes):
    data = services.ClaimInput.from_claim(Claim.get_by_id(claim_id))
    for key, value in changes.items():
        setattr(data, key, value)
    return services.update_claim(claim_id, data)


@pytest.fixture
def colleague(sample, tmp_path):
    """The colleague's laptop got our package (which records the sync here)."""
    out = tmp_path / "to-colleague.zip"
    result = package.export_package(out, ClaimFilter())
    mark_exported(ClaimFilter(), result.started_at)
    laptop = tmp_path / "colleague.db"
    with bound(laptop):
        import_file(out)
    return laptop


def _from_colleague(laptop, tmp_path, edit=None, name="back.csv"):
    out = tmp_path / name
    with bound(laptop):
        if edit:
            edit()
        claims_csv.export_claims_csv(out, ClaimFilter())
    return out


def test_colleagues_newer_edit_wins(sample, colleague, tmp_path):
    uuid = Claim.get_by_id(sample["c"]).uuid

    def edit():
        cid = Claim.get(Claim.uuid == uuid).id
        _edit(cid, text="+44 soldiers crossed the border", tags=["border"])

    back = _from_colleague(colleague, tmp_path, edit)
    plan = importer.check(back)
    assert plan.counts() == {"added": 0, "updated": 1, "kept": 0, "conflict": 0, "unchanged": 2}
    result = import_file(back, who="Merger")
    assert result.counts["updated"] == 1
    claim = Claim.get_by_id(sample["c"])
    assert claim.text == "+44 soldiers crossed the border" and claim.tags_text == "border"
    assert claim.synced_at == claim.updated_at
    entry = History.get(History.claim == claim.id, History.field == "text", History.who == "Merger")
    assert entry.new_value == claim.text and "back.csv" in entry.reason
    healthy()
    before = dump()
    assert import_file(back).counts["unchanged"] == 3
    assert dump() == before  # re-import: a no-op


def test_older_copy_is_kept(sample, colleague, tmp_path):
    back = _from_colleague(colleague, tmp_path)  # unchanged since the exchange
    _edit(sample["c"], text="Edited here after the exchange")
    before = dump()
    result = import_file(back)
    assert result.counts == {"added": 0, "updated": 0, "kept": 1, "conflict": 0, "unchanged": 2}
    assert Claim.get_by_id(sample["c"]).text == "Edited here after the exchange"
    assert dump() == before


@pytest.mark.parametrize("colleague_first", [True, False])
def test_both_sides_edited_is_a_conflict(sample, colleague, tmp_path, capsys, colleague_first):
    uuid = Claim.get_by_id(sample["c"]).uuid

    def edit():
        _edit(Claim.get(Claim.uuid == uuid).id, text="Their version")

    if colleague_first:
        back = _from_colleague(colleague, tmp_path, edit)
        _edit(sample["c"], text="Our version")
    else:
        _edit(sample["c"], text="Our version")
        back = _from_colleague(colleague, tmp_path, edit)
    before = dump()
    assert run_cli("import", "--db", proxy.obj.path, back, "--dry-run") == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "1 in conflict" in out and "Their version" in out and "Dry run" in out
    assert dump() == before
    result = import_file(back)
    assert result.counts["conflict"] == 1 and [r.values["text"] for r in result.conflicts] == ["Their version"]
    assert Claim.get_by_id(sample["c"]).text == "Our version"


def test_new_claim_is_added_once(sample, colleague, tmp_path):
    def edit():
        services.create_claim(services.ClaimInput(text="Found by the colleague", claimant="New claimant"))

    back = _from_colleague(colleague, tmp_path, edit)
    assert import_file(back).counts["added"] == 1
    assert import_file(back).counts["added"] == 0
    assert Claim.select().where(Claim.text == "Found by the colleague").count() == 1
    healthy()


def test_classify_rule():
    local = importer.Local(1, created_at="2024-01-01", updated_at="2024-01-05", synced_at="2024-01-05")
    assert importer.classify("2024-01-05", local) == importer.UNCHANGED
    assert importer.classify("2024-01-09", local) == importer.UPDATED
    assert importer.classify("2024-01-03", local) == importer.KEPT
    changed = importer.Local(1, "2024-01-01", "2024-01-07", "2024-01-05")
    assert importer.classify("2024-01-09", changed) == importer.CONFLICT
    assert importer.classify("2024-01-06", changed) == importer.CONFLICT
    assert importer.classify("2024-01-04", changed) == importer.KEPT
    never = importer.Local(1, "2024-01-01", "2024-01-01", None)
    assert importer.classify("2024-01-09", never) == importer.UPDATED
    never_edited = importer.Local(1, "2024-01-01", "2024-01-03", None)
    assert importer.classify("2024-01-09", never_edited) == importer.CONFLICT
    assert importer.classify("2024-01-02", never_edited) == importer.KEPT


def test_cancelled_import_changes_nothing(sample, tmp_path):
    out = tmp_path / "p.zip"
    package.export_package(out, ClaimFilter(), include_confidential=True)
    laptop = tmp_path / "laptop.db"
    with bound(laptop):
        before = dump()
        calls = []

        def progress(done, total):
            calls.append(done)
            return len(calls) < 3

        with pytest.raises(csvcodec.Cancelled):
            import_file(out, progress=progress)
        assert dump() == before


# -- command line ------------------------------------------------------------------------------


def test_cli_export_and_import_in_a_real_process(sample, tmp_path):
    path = proxy.obj.path
    out = tmp_path / "out.zip"
    env_cmd = [sys.executable, "-m", "desktop"]
    done = subprocess.run([*env_cmd, "export", "--db", str(path), "--out", str(out)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "3 claims" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"uuid,text\r\nxyz,hello\r\n")
    done = subprocess.run([*env_cmd, "import", "--db", str(tmp_path / "new.db"), str(bad)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == cli.EXIT_REJECTED
    assert "bad.csv, row 2, column uuid" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([*env_cmd, "import", "--db", str(tmp_path / "new.db"), str(out)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout


def test_cli_formats_and_sync(sample, tmp_path, capsys):
    path = proxy.obj.path
    assert run_cli("export", "--db", path, "--out", tmp_path / "x.json", "--author", "Desk") == 0
    assert json.loads((tmp_path / "x.json").read_text()) == []
    assert Claim.get_by_id(sample["c"]).synced_at is None  # ClaimReview is no exchange
    assert run_cli("export", "--db", path, "--out", tmp_path / "x.csv", "--status", "final") == 0
    assert "1 claims written" in capsys.readouterr().out
    synced = {c.id: c.synced_at for c in Claim.select()}
    assert synced[sample["a"]] == Claim.get_by_id(sample["a"]).updated_at and synced[sample["c"]] is None
    assert run_cli("export", "--db", path, "--out", tmp_path / "x.csv", "--status", "nope") == cli.EXIT_USAGE
    assert run_cli("import", "--db", path, tmp_path / "missing.csv") == cli.EXIT_REJECTED


def test_export_helper_dispatch(sample, tmp_path):
    assert export("csv", tmp_path / "a.csv", ClaimFilter()).claims == 3
    assert export("package", tmp_path / "a.zip", ClaimFilter()).claims == 3
    assert export("claimreview", tmp_path / "a.json", ClaimFilter(), author="D").claims == 0


def test_package_table_problems_are_found(sample, tmp_path):
    out = tmp_path / "p.zip"
    package.export_package(out, ClaimFilter(), include_confidential=True)
    with zipfile.ZipFile(out) as zf:
        members = {m: zf.read(m) for m in zf.namelist()}
    ev = csvcodec.read_table(members["evidence.csv"].decode("utf-8-sig"), "evidence.csv", [])
    hist = csvcodec.read_table(members["history.csv"].decode("utf-8-sig"), "history.csv", [])
    evidence_rows = [list(r) for _, r in ev.rows]
    evidence_rows.append(list(evidence_rows[0]))  # the same link twice
    evidence_rows[1][ev.header.index("stance")] = "agrees"
    history_rows = [list(r) for _, r in hist.rows]
    history_rows[0][hist.header.index("at")] = "2024-02-30T10:00:00.000000Z"
    history_rows[1][hist.header.index("is_correction")] = "maybe"
    members["evidence.csv"] = csvcodec.encode_rows(ev.header, evidence_rows)
    members["history.csv"] = csvcodec.encode_rows(hist.header, history_rows)
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    found = {(p.file, p.row, p.column) for p in importer.read_file(out).problems}
    assert found == {("evidence.csv", 3, "stance"), ("evidence.csv", len(evidence_rows) + 1, "locator"),
                     ("history.csv", 2, "at"), ("history.csv", 3, "is_correction")}


# -- bulk path: indexes dropped and built again ---------------------------------------------


def _schema() -> list:
    return proxy.execute_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()


def _search_rows_match_the_claims() -> None:
    """Every claim's full-text row is what search.claim_document makes of it (source titles in any order)."""
    from desktop import search

    for claim in Claim.select():
        tags = sorted((name for (name,) in proxy.execute_sql(
            "SELECT t.name FROM claim_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.claim_id = ?", (claim.id,))),
            key=str.casefold)
        titles = [title for (title,) in proxy.execute_sql(
            "SELECT DISTINCT s.title FROM evidence e JOIN source s ON s.id = e.source_id WHERE e.claim_id = ?",
            (claim.id,))]
        want = search.claim_document(claim, claim.claimant_name, tags, titles)
        got = proxy.execute_sql("SELECT text, context, claimant, tags, sources FROM claim_fts WHERE rowid = ?",
                                (claim.id,)).fetchone()
        assert got[:4] == (want["text"], want["context"], want["claimant"], want["tags"]), claim.id
        assert sorted(got[4].split("\n")) == sorted(want["sources"].split("\n")), claim.id


@pytest.mark.parametrize("kind", ["package", "csv"])
def test_large_import_rebuilds_indexes_with_the_same_result(sample, tmp_path, monkeypatch, kind):
    """With the rebuild threshold lowered to 1, an import drops and re-creates the secondary
    indexes: the rows, the search index and the schema come out exactly as without it."""
    from desktop.services import exchange as service

    if kind == "package":
        out = tmp_path / "p.zip"
        package.export_package(out, ClaimFilter(), include_confidential=True)
    else:
        out = tmp_path / "claims.csv"
        export_csv(out)
    results = []
    for threshold in (10**9, 1):
        monkeypatch.setattr(service, "REBUILD_FROM", threshold)
        dropped = []
        real_drop = service._IndexRebuild.drop

        def spy(self, tables, real_drop=real_drop, dropped=dropped):
            real_drop(self, tables)
            dropped.extend(name for name, _ in self.dropped)

        monkeypatch.setattr(service._IndexRebuild, "drop", spy)
        with bound(tmp_path / f"laptop{threshold}.db"):
            schema = _schema()
            import_file(out)
            healthy()
            _search_rows_match_the_claims()
            assert _schema() == schema
            rows = dump()
            rows.pop("claimant")  # its created_at is the time of the import
            if kind == "csv":  # times of the import, and new uuids for the sources made from addresses
                for table in ("source", "history", "evidence"):
                    rows.pop(table)
            results.append(rows)
            again = import_file(out)
            assert again.counts["unchanged"] == 3 and dump()["claim_fts"] == rows["claim_fts"]
        assert bool(dropped) == (threshold == 1)
        if dropped:
            assert "claim_live_status" in dropped and "claim_uuid" not in dropped  # unique ones stay
    assert results[0] == results[1]


def test_cancelled_large_import_keeps_the_indexes(sample, tmp_path, monkeypatch):
    from desktop.services import exchange as service

    monkeypatch.setattr(service, "REBUILD_FROM", 1)
    out = tmp_path / "p.zip"
    package.export_package(out, ClaimFilter(), include_confidential=True)
    with bound(tmp_path / "laptop.db"):
        schema, before = _schema(), dump()
        seen = []

        def progress(done, total):
            seen.append(proxy.execute_sql("SELECT count(*) FROM sqlite_master WHERE name = 'claim_live_status'")
                        .fetchone()[0])
            return done < total // 2

        with pytest.raises(csvcodec.Cancelled):
            import_file(out, progress=progress)
        assert seen[-1] == 0  # cancelled while the indexes were away
        assert _schema() == schema and dump() == before
        healthy()


# -- column-wise checks agree with the per-cell ones ---------------------------------------------

MESSY = [
    _rows(("text", "'=1+1 is a formula"), ("tags", "Health; health;  camps ;"), ("claimant", "'@someone")),
    _rows(("uuid", "22222222-2222-4333-8444-555555555555"), ("text", " padded text "), ("claimed_on", "2024")),
    _rows(("uuid", " 55555555-2222-4333-8444-555555555555 "), ("updated_at", "2024-01-02T10:00:00Z")),
    _rows(("uuid", "66666666-2222-4333-8444-555555555555"), ("sources", "supports HTTPS://Example.org/a/?utm_source=x")),
    _rows(("uuid", "77777777-2222-4333-8444-555555555555"), ("status", "final"), ("verdict", "false"),
          ("sources", "refutes https://b.example/x; context urn:uuid:11111111-2222-4333-8444-555555555555")),
    _rows(("uuid", "88888888-2222-4333-8444-555555555555"), ("text", "tab\tand\nnewline kept"), ("claimant", "'")),
    _rows(("uuid", "99999999-2222-4333-8444-555555555555"), ("created_at", "2024-02-30T10:00:00.000000Z")),
    _rows(("uuid", "22222222-2222-4333-8444-555555555555"), ("text", "a duplicate uuid")),
    _rows(("uuid", ""), ("text", "no uuid"), ("status", "needs_review")),
    _rows(("uuid", ""), ("text", "bell \x07 in it")),
    _rows(("uuid", ""), ("text", "fine"), ("claimed_on", "2023-02-30"), ("verdict", "maybe")),
    _rows(("uuid", ""), ("text", "\u0661\u0662 Arabic-Indic digits"), ("updated_at", "\u0662024-01-02T10:00:00.000000Z")),
]


@pytest.mark.parametrize("clean", [True, False])
def test_column_checks_give_what_cell_checks_give(sample, tmp_path, monkeypatch, clean):
    """Every table read through the column-wise fast path comes out exactly as through the per-cell
    path alone: the same rows and values, the same problems (row, column, message), in the same order."""
    if clean:
        services.update_source(sample["public"], services.SourceInput(
            title="Health ministry bulletin", url="https://health.example/bulletin?page=2#top", credibility="credible",
            archives=[services.ArchiveInput("https://web.archive.org/web/2024/x", "", "2024-03-05T10:00:00Z")]))
        path = tmp_path / "p.zip"
        package.export_package(path, ClaimFilter(), include_confidential=True)
    else:
        path = write_csv(tmp_path / "messy.csv", HEADER, MESSY + [GOOD] + [_rows(("uuid", ""), ("text", f"n{i}"))
                                                                          for i in range(3)])
    fast = importer.read_file(path)
    monkeypatch.setattr(import_fast, "_columns", lambda table, at: None)  # looked up by the _fast_*_table checks
    for name in ("_fast_source", "_fast_evidence", "_fast_history"):  # the per-row shortcuts too, looked up
        monkeypatch.setattr(importer, name, lambda *args: None)  # by the readers in importer
    careful = importer.read_file(path)
    for part in ("claims", "sources", "evidence", "history", "problems", "notes"):
        assert getattr(fast, part) == getattr(careful, part), part
    assert bool(fast.problems) != clean
    assert fast.claims or fast.problems


# -- Zawgyi-encoded Burmese: noted, never refused ------------------------------------------------

# "Myanmar" and "news" in Zawgyi and in Unicode (tests/test_zawgyi.py has more).
ZAWGYI_MYANMAR, UNICODE_MYANMAR = "\u103b\u1019\u1014\u1039\u1019\u102c", "\u1019\u103c\u1014\u103a\u1019\u102c"
ZAWGYI_NEWS, UNICODE_NEWS = "\u101e\u1010\u1004\u1039\u1038", "\u101e\u1010\u1004\u103a\u1038"


def test_zawgyi_rows_get_one_note_and_are_imported_unchanged(database, tmp_path):
    rows = [
        ["An English claim", ""],                                   # row 2
        [UNICODE_MYANMAR + " " + UNICODE_NEWS, UNICODE_NEWS],       # row 3
        [ZAWGYI_MYANMAR + " " + ZAWGYI_NEWS, ""],                   # row 4
        ["\u0627\u0644\u062e\u0628\u0631", "Caf\u00e9"],           # row 5
        ["Mixed: " + ZAWGYI_NEWS, ZAWGYI_NEWS],                     # row 6
        ["English text", "notes: " + ZAWGYI_MYANMAR],               # row 7
    ]
    path = write_csv(tmp_path / "claims.csv", ["text", "context"], rows)
    incoming = importer.read_file(path)
    assert incoming.problems == []
    zawgyi = [n for n in incoming.notes if "Zawgyi" in n]
    assert zawgyi == ["claims.csv: 3 rows look like Zawgyi-encoded Burmese (rows 4, 6, 7; columns text, context): "
                      "search will not find them as Unicode. They are imported unchanged; convert to Unicode to "
                      "make them searchable."]
    assert importer.plan(incoming).ok
    result = apply_import(incoming)
    assert result.counts["added"] == 6
    assert sorted(c.text for c in Claim.select()) == sorted(r[0] for r in rows)
    assert Claim.get(Claim.text == "Mixed: " + ZAWGYI_NEWS).context == ZAWGYI_NEWS
    healthy()


def test_zawgyi_note_names_the_first_rows_and_counts_all(database, tmp_path):
    rows = [[f"{n} " + ZAWGYI_MYANMAR if n % 2 else f"claim {n} " + UNICODE_MYANMAR] for n in range(1, 16)]
    incoming = importer.read_file(write_csv(tmp_path / "many.csv", ["text"], rows))
    assert [n for n in incoming.notes if "Zawgyi" in n] == [
        "many.csv: 8 rows look like Zawgyi-encoded Burmese (rows 2, 4, 6, 8, 10, \u2026; column text): "
        "search will not find them as Unicode. They are imported unchanged; convert to Unicode to make them "
        "searchable."]
    one = importer.read_file(write_csv(tmp_path / "one.csv", ["text", "short_text"],
                                       [["English", ""], ["Also English", ZAWGYI_NEWS]]))
    assert [n for n in one.notes if "Zawgyi" in n] == [
        "one.csv: 1 row looks like Zawgyi-encoded Burmese (row 3; column short_text): search will not find it "
        "as Unicode. It is imported unchanged; convert to Unicode to make it searchable."]
    clean = importer.read_file(write_csv(tmp_path / "clean.csv", ["text"], [[UNICODE_MYANMAR], ["English"]]))
    assert not [n for n in clean.notes if "Zawgyi" in n]


def test_zawgyi_note_for_a_package(database, make_claim, tmp_path):
    make_claim("English claim")
    make_claim(UNICODE_MYANMAR)
    make_claim(ZAWGYI_MYANMAR + " " + ZAWGYI_NEWS)
    out = tmp_path / "out.zip"
    package.export_package(out, ClaimFilter())
    notes = [n for n in importer.read_file(out).notes if "Zawgyi" in n]
    assert len(notes) == 1 and notes[0].startswith("claims.csv: 1 row looks like Zawgyi-encoded Burmese (row ")
