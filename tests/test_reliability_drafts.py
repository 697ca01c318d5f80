"""Drafts of forms survive a crash: JSON beside nothing of the database, atomic, owner-only."""

import stat

import pytest

from desktop import drafts


def test_save_list_discard_round_trip(tmp_path):
    db = tmp_path / "a.db"
    drafts.save_draft(db, "new", {"text": "Draft one", "tags": ["x"]})
    drafts.save_draft(db, "claim-7", {"text": "Edit of seven"})
    found = drafts.pending_drafts(db)
    assert [k for k, _ in found] == ["new", "claim-7"]
    assert found[0][1] == {"text": "Draft one", "tags": ["x"]}
    drafts.save_draft(db, "new", {"text": "Draft one, longer"})
    assert dict(drafts.pending_drafts(db))["new"] == {"text": "Draft one, longer"}
    drafts.discard_draft(db, "new")
    drafts.discard_draft(db, "never-there")
    assert drafts.pending_drafts(db) == [("claim-7", {"text": "Edit of seven"})]
    drafts.discard_draft(db, "claim-7")
    assert drafts.pending_drafts(db) == []
    assert not drafts.drafts_file(db).exists()


def test_drafts_are_per_database_and_outside_it(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    drafts.save_draft(a, "new", {"text": "for a"})
    assert drafts.pending_drafts(b) == []
    path = drafts.drafts_file(a)
    assert tmp_path not in path.parents
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # the same file reached by another spelling of the path shares drafts
    assert drafts.pending_drafts(tmp_path / "." / "a.db") == [("new", {"text": "for a"})]
    drafts.discard_draft(a, "new")


def test_damaged_drafts_file_is_set_aside_not_fatal(tmp_path):
    db = tmp_path / "c.db"
    path = drafts.drafts_file(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"{not json")
    assert drafts.pending_drafts(db) == []
    assert not path.exists()
    assert any(p.name.startswith(path.stem + ".damaged") for p in path.parent.iterdir())
    drafts.save_draft(db, "new", {"text": "fresh"})
    assert drafts.pending_drafts(db) == [("new", {"text": "fresh"})]
    drafts.discard_draft(db, "new")


def test_failed_write_keeps_previous_drafts(tmp_path, monkeypatch):
    db = tmp_path / "d.db"
    drafts.save_draft(db, "new", {"text": "kept"})

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(drafts.os, "replace", boom)
    drafts.save_draft(db, "new", {"text": "lost"})  # logged, not raised
    monkeypatch.undo()
    assert drafts.pending_drafts(db) == [("new", {"text": "kept"})]
    leftovers = [p for p in drafts.drafts_file(db).parent.iterdir() if p.name.startswith(".drafts-")]
    assert leftovers == []
    drafts.discard_draft(db, "new")


def test_non_serialisable_draft_is_refused(tmp_path):
    with pytest.raises(TypeError):
        drafts.save_draft(tmp_path / "e.db", "new", {"when": object()})
    with pytest.raises(TypeError):
        drafts.save_draft(tmp_path / "e.db", "new", ["not", "a", "dict"])
