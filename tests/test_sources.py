"""The source library: table model (qtmodeltester, SQL sort/filter, paging), page, form and duplicates."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import drafts, services
from desktop.models import Archive, Source, database
from desktop.views import sources_page
from desktop.views.main_window import MainWindow
from desktop.views.source_form import SourceDialog, open_source_dialog
from desktop.views.sources_model import COLUMN, PAGE_SIZE, SourceFilter, SourceQuery, SourcesTableModel


@pytest.fixture
def messages(monkeypatch):
    seen = []
    for name in ("warning", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda parent, title, text, *a, **k: seen.append(text))
    return seen


@pytest.fixture
def window(database, qtbot, tmp_path, monkeypatch, messages):
    monkeypatch.setattr(drafts, "_state_dir_override", tmp_path / "state", raising=False)
    win = MainWindow(database)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win
    win.undo_stack.clear()


def _many_sources(n):
    """n sources inserted in bulk (the services are tested elsewhere), with their index rows."""
    from desktop.models import SourceIndex

    kinds = ["report", "dataset", "news_article"]
    rows = [dict(id=i, uuid=f"u-{i}", title=f"Title {i:04d} {'river' if i % 3 == 0 else 'road'}",
                 publisher=f"Pub {i % 7}", kind=kinds[i % 3], published_on=f"20{10 + i % 10}",
                 credibility="credible" if i % 2 else "unrated", n_claims=i % 5,
                 url=None if i % 10 == 0 else f"https://example.org/{i}",
                 created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z") for i in range(1, n + 1)]
    with database.atomic():
        Source.insert_many(rows).execute()
        SourceIndex.insert_many([dict(rowid=r["id"], title=r["title"], publisher=r["publisher"],
                                      url=r["url"] or "", notes="") for r in rows]).execute()
    return rows


def _all_rows(model):
    while model.canFetchMore():
        model.fetchMore()
    return [model.source_id(r) for r in range(model.rowCount())]


def test_model_passes_qtmodeltester(database, qtmodeltester):
    _many_sources(30)
    model = SourcesTableModel()
    qtmodeltester.check(model)
    model.set_filter(SourceFilter(text="river", kind="report"))
    qtmodeltester.check(model)


@pytest.mark.parametrize("sort", ["title", "publisher", "kind", "published_on", "credibility", "n_claims", "url"])
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_list_every_row_once_in_sql_order(database, sort, descending):
    rows = _many_sources(PAGE_SIZE * 2 + 37)
    model = SourcesTableModel(flt=SourceFilter(sort=sort, descending=descending))
    assert model.rowCount() == PAGE_SIZE  # lazily: one page until more is wanted
    ids = _all_rows(model)
    assert sorted(ids) == [r["id"] for r in rows]

    def key(r):
        value = r[sort]
        if sort == "url":  # NULL first when ascending, as SQLite orders it
            return (value is not None, value or "", r["id"])
        return (value, r["id"])

    expected = [r["id"] for r in sorted(rows, key=key, reverse=descending)]
    assert ids == expected
    assert model.queries <= 4


def test_filters_by_text_kind_and_credibility(database):
    rows = _many_sources(120)
    model = SourcesTableModel(flt=SourceFilter(text="rive", kind="report", credibility="credible"))
    expected = {r["id"] for r in rows if "river" in r["title"] and r["kind"] == "report"
                and r["credibility"] == "credible"}
    assert set(_all_rows(model)) == expected and expected
    assert model.count() == len(expected)
    assert SourceQuery(SourceFilter(text="river")).count() == sum("river" in r["title"] for r in rows)
    model.set_filter(SourceFilter(text='"no such words"'))
    assert model.rowCount() == 0 and model.count() == 0


def test_search_input_never_raises(database):
    _many_sources(10)
    for text in ['"', "covid-19", "o'brien", "AND", "NOT (", "*", "title:x", "\u1019\u103c\u1014\u103a\u1019\u102c"]:
        model = SourcesTableModel(flt=SourceFilter(text=text))
        model.count()


def test_model_updates_a_row_in_place(database, qtbot):
    _many_sources(5)
    model = SourcesTableModel()
    before = model.rowCount()
    services.update_source(3, services.SourceInput(title="Title 0003 river", url="https://example.org/3",
                                                   kind="dataset", credibility="not_credible"))
    with qtbot.waitSignal(model.dataChanged):
        model.refresh_sources([3])
    row = model.row_of(3)
    assert model.index(row, COLUMN["credibility"]).data() == "Not credible"
    assert model.rowCount() == before
    new = services.create_source(services.SourceInput(title="Brand new"))
    with qtbot.waitSignal(model.modelReset):
        model.refresh_sources([new.id])
    assert model.row_of(new.id) is not None


def test_create_a_source_with_the_form(window, qtbot):
    dialog = open_source_dialog(window)
    dialog.kind.setCurrentIndex(dialog.kind.findData("official_statement"))
    dialog.title.setText("Ministry statement on the census")
    dialog.publisher.setText("Ministry of Planning")
    dialog.published_on.setText("2023-11")
    dialog.url.setText("HTTPS://Planning.Example.GOV:443/press/census?utm_medium=email&id=7#top")
    dialog.url.editingFinished.emit()
    assert dialog.url.text() == "https://planning.example.gov/press/census?id=7"  # shown normalised
    assert dialog.url_hint.isVisibleTo(dialog)
    dialog.accessed_on.setText("2024-01-05")
    dialog.archive_list.add_row("https://web.archive.org/web/2024/https://planning.example.gov/press/census",
                                captured_at="2024-01-05T10:00:00Z")
    dialog.language.setText("en")
    dialog.credibility.setCurrentIndex(dialog.credibility.findData("credible"))
    dialog.notes.setPlainText("Press office copy.")
    dialog.confidential.setChecked(True)
    with qtbot.waitSignal(dialog.source_saved) as saved:
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    source = Source.get_by_id(saved.args[0])
    assert (source.kind, source.title, source.publisher, source.published_on, source.url, source.accessed_on,
            source.language, source.credibility, source.notes, source.confidential) == (
        "official_statement", "Ministry statement on the census", "Ministry of Planning", "2023-11",
        "https://planning.example.gov/press/census?id=7", "2024-01-05", "en", "credible", "Press office copy.", True)
    archive = Archive.get(Archive.source == source.id)
    assert archive.service == "wayback" and archive.captured_at.startswith("2024-01-05T10:00:00")
    page = window.sources_page
    assert not page.model.started  # not read before the page is first shown
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.row_of(source.id) is not None)


def test_duplicate_url_opens_the_existing_source(window, qtbot, make_source):
    existing = make_source("Harbour authority tonnage report", url="https://harbour.example.org/tonnage")
    dialog = SourceDialog(window)
    qtbot.addWidget(dialog)
    dialog.title.setText("A twin")
    dialog.url.setText("https://HARBOUR.example.org/tonnage?gclid=123#p2")
    dialog.url.editingFinished.emit()
    assert dialog.source_id == existing.id  # switched to the existing source
    assert dialog.title.text() == "Harbour authority tonnage report"
    assert "already in the library" in dialog.banner.text() and "opened instead" in dialog.banner.text()
    assert dialog.banner.textFormat() == Qt.TextFormat.PlainText
    assert Source.select().count() == 1

    # The same through the service at save time (the address typed without leaving the field).
    dialog = SourceDialog(window)
    qtbot.addWidget(dialog)
    dialog.title.setText("Another twin")
    dialog.url.blockSignals(True)
    dialog.url.setText("https://harbour.example.org/tonnage?utm_source=x")
    dialog.url.blockSignals(False)
    dialog.save()
    assert dialog.source_id == existing.id
    assert "opened instead" in dialog.banner.text()
    assert Source.select().count() == 1


def test_validation_at_the_field(window, qtbot):
    dialog = SourceDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.title.setText("Something")
    dialog.published_on.setText("2023-02-30")
    dialog.save()
    assert dialog.errors["published_on"].isVisibleTo(dialog)
    assert "not a real date" in dialog.errors["published_on"].text()
    assert Source.select().count() == 0
    dialog.published_on.setText("2023")
    dialog.url.setText("javascript:alert(1)")
    dialog.save()
    assert dialog.errors["url"].isVisibleTo(dialog)
    assert "scheme" in dialog.errors["url"].text()
    assert not dialog.errors["published_on"].isVisibleTo(dialog)
    dialog.url.setText("")
    dialog.archive_list.add_row("not a url")
    dialog.save()
    assert dialog.errors["archives"].isVisibleTo(dialog) and "archive 1 url" in dialog.errors["archives"].text()
    assert Source.select().count() == 0
    dialog.archive_list.remove_current()
    dialog.title.setText("")
    dialog.save()
    assert "title or a web address" in dialog.errors["title"].text()
    assert Source.select().count() == 0


def test_edit_a_source_keeps_archives_and_refuses_another_sources_url(window, qtbot, make_source):
    first = make_source("First", url="https://example.org/first")
    second = make_source("Second", url="https://example.org/second",
                         archives=[services.ArchiveInput("https://archive.ph/abcd", captured_at="2024-02-01")])
    dialog = SourceDialog(window, second.id)
    qtbot.addWidget(dialog)
    assert dialog.archive_list.archives()[0].service == "archive_today"
    dialog.url.setText("https://example.org/first")
    dialog.url.editingFinished.emit()
    assert "two sources cannot share" in dialog.errors["url"].text()
    dialog.save()
    assert dialog.errors["url"].isVisibleTo(dialog)
    assert Source.get_by_id(second.id).url == "https://example.org/second"
    dialog.url.setText("https://example.org/second-moved")
    dialog.notes.setPlainText("moved")
    dialog.save()
    second = Source.get_by_id(second.id)
    assert (second.url, second.notes) == ("https://example.org/second-moved", "moved")
    assert Archive.select().where(Archive.source == second.id).count() == 1
    assert Source.get_by_id(first.id).url == "https://example.org/first"


def test_sources_page_search_filters_and_detail(window, qtbot, make_claim, make_source, messages):
    river = make_source("River gauge readings", publisher="Water office", kind="dataset")
    make_source("Road works schedule", publisher="Transport office", kind="report", credibility="credible")
    claim = make_claim("The river rose two metres")
    services.link_evidence(claim.id, river.id, "supports", quote="2.1 m on 3 May", locator="row 12")
    page = window.sources_page
    window.tabs.setCurrentWidget(page)
    page.model.reload()
    assert page.model.rowCount() == 2 and page.count.text() == "2 sources"
    qtbot.keyClicks(page.search, "gaug")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.source_id(0) == river.id
    assert page.count.text() == "1 of 2 sources"
    page.search.clear()
    page.kind.setCurrentIndex(page.kind.findData("report"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.index(0, COLUMN["title"]).data() == "Road works schedule"
    page.credibility.setCurrentIndex(page.credibility.findData("not_credible"))
    assert page.model.rowCount() == 0
    page.kind.setCurrentIndex(0)
    page.credibility.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)

    assert page.select_source(river.id)
    detail = page.detail
    assert detail.source_id == river.id
    assert detail.claims.topLevelItemCount() == 1
    item = detail.claims.topLevelItem(0)
    assert item.text(0) == "Supports" and item.text(1) == "The river rose two metres"
    assert page.model.index(page.model.row_of(river.id), COLUMN["n_claims"]).data() == "1"

    # Jump to the claim on the Claims page.
    window.claims_page.refresh_claims([])  # the claim was made behind the window's back
    window.tabs.setCurrentWidget(page)
    detail.claims.itemActivated.emit(item, 0)
    assert window.tabs.currentWidget() is window.pages["claims"]
    assert window.current_claim_id() == claim.id
    # A claim the list does not show (in the trash): said so, details shown in the pane.
    services.trash_claims([claim.id])
    window.claims_page.refresh_claims([claim.id])
    assert not sources_page.jump_to_claim(window, claim.id)
    assert "not in the list" in messages[-1]


def test_delete_source_only_when_not_cited(window, qtbot, make_claim, make_source, monkeypatch, messages):
    cited, spare = make_source("Cited"), make_source("Spare")
    services.link_evidence(make_claim().id, cited.id, "context")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page = window.sources_page
    page.model.reload()
    page.select_source(cited.id)
    page.delete_source()
    assert Source.get_or_none(Source.id == cited.id) is not None
    assert messages and "cited by 1 claim" in messages[-1]
    page.select_source(spare.id)
    page.delete_source()
    assert Source.get_or_none(Source.id == spare.id) is None
    assert page.model.row_of(spare.id) is None


def test_sources_page_is_a_tab_of_the_window(window):
    assert window.pages["sources"] is window.sources_page
    assert isinstance(window.sources_page, sources_page.SourcesPage)
    assert QApplication.instance() is not None


def test_count_over_two_filters_of_a_large_library_runs_off_the_gui_thread(window, qtbot, monkeypatch):
    import desktop.views.sources_model as sources_model

    _many_sources(60)
    monkeypatch.setattr(sources_model, "ASYNC_COUNT_ABOVE", 10)  # pretend 60 sources is large
    page = window.sources_page
    page.model.reload()
    page.kind.setCurrentIndex(page.kind.findData("report"))
    assert page.count.text() == "20 of 60 sources"  # one filter: one index, counted at once
    page.credibility.setCurrentIndex(page.credibility.findData("credible"))
    qtbot.waitUntil(lambda: page.count.text() == "10 of 60 sources")


def test_picker_lists_newest_matches_when_too_many_to_rank(database, monkeypatch):
    from desktop.views import link_dialog

    _many_sources(40)
    ranked = link_dialog.find_sources("river")
    assert {r[0] for r in ranked} == {i for i in range(1, 41) if i % 3 == 0}
    monkeypatch.setattr(link_dialog, "RANK_AT_MOST", 3)
    newest = link_dialog.find_sources("river", limit=5)
    assert [r[0] for r in newest] == [39, 36, 33, 30, 27]
    exact = link_dialog.find_sources("https://EXAMPLE.org/7?utm_source=x")
    assert exact[0][0] == 7


def test_tooltips_show_markup_as_typed(database):
    from desktop.views.sources_model import plain_tooltip

    services.create_source(services.SourceInput(title="<b>Bold</b> & a very long title that needs a tooltip to be read"))
    model = SourcesTableModel()
    tip = model.index(0, COLUMN["title"]).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; a very long" in tip and tip.startswith("<p")
    assert plain_tooltip("") is None


@pytest.mark.parametrize("url, service", [
    ("https://web.archive.org/web/2024/https://example.org/", "wayback"),
    ("https://web.archive.org:443/web/2024/https://example.org/", "wayback"),
    ("https://someone@archive.ph/AbCd", "archive_today"),
    ("https://ARCHIVE.TODAY/xyz", "archive_today"),
    ("https://notweb.archive.org/x", "other"),
    ("https://archive.org/details/x", "other"),
])
def test_archive_service_is_guessed_from_the_host_name(url, service):
    from desktop.services.sources import guess_archive_service

    assert guess_archive_service(url) == service


def test_find_source_by_url_takes_nothing_gracefully(database):
    assert services.find_source_by_url(None) is None
    assert services.find_source_by_url("") is None


def test_a_source_edit_is_one_undo_step(window, qtbot, make_source):
    source = make_source("Gauge readings", url="https://example.org/gauge", publisher="Water office",
                         archives=[services.ArchiveInput("https://web.archive.org/web/2024/https://example.org/gauge")])
    before = services.SourceInput.from_source(Source.get_by_id(source.id))
    dialog = SourceDialog(window, source.id)
    qtbot.addWidget(dialog)
    dialog.title.setText("Gauge readings, corrected")
    dialog.archive_list.add_row("https://archive.ph/gauge1", captured_at="2024-05-01")
    dialog.save()
    edited = services.SourceInput.from_source(Source.get_by_id(source.id))
    assert edited.title == "Gauge readings, corrected" and len(edited.archives) == 2
    assert window.undo_stack.count() == 1 and "Gauge readings, corrected" in window.undo_stack.undoText()
    window.undo_stack.undo()
    assert services.SourceInput.from_source(Source.get_by_id(source.id)) == before  # archives back too
    window.undo_stack.redo()
    assert services.SourceInput.from_source(Source.get_by_id(source.id)) == edited
    # Saving without a change adds no step.
    dialog = SourceDialog(window, source.id)
    qtbot.addWidget(dialog)
    dialog.save()
    assert window.undo_stack.count() == 1


def _searchable(text):
    from desktop.models import SourceIndex

    return [r.rowid for r in SourceIndex.select(SourceIndex.rowid).where(SourceIndex.match(text))]


def test_deleting_a_source_is_one_undo_step(window, qtbot, make_source, monkeypatch, messages):
    source = make_source("Ferry timetable", url="https://example.org/ferry", publisher="Port office",
                         notes="Seasonal", archives=[services.ArchiveInput("https://archive.ph/ferry1")])
    before = Source.get_by_id(source.id)
    fields = services.SourceInput.from_source(before)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page = window.sources_page
    page.model.reload()
    page.select_source(source.id)
    page.delete_source()
    assert Source.get_or_none(Source.id == source.id) is None and _searchable("ferry") == []
    assert page.model.row_of(source.id) is None
    assert window.undo_stack.count() == 1 and "Ferry timetable" in window.undo_stack.undoText()

    window.undo_stack.undo()
    back = Source.get_by_id(source.id)  # the same id, so later steps that name it still work
    assert (back.uuid, back.created_at, back.updated_at) == (before.uuid, before.created_at, before.updated_at)
    assert services.SourceInput.from_source(back) == fields  # archives and notes too
    assert _searchable("ferry") == [source.id]
    assert page.model.row_of(source.id) is not None
    window.undo_stack.redo()
    assert Source.get_or_none(Source.id == source.id) is None
    assert not messages


def test_adding_a_source_is_one_undo_step(window, qtbot):
    dialog = SourceDialog(window)
    qtbot.addWidget(dialog)
    dialog.title.setText("Dam inspection report")
    dialog.url.setText("https://example.org/dam-report")
    dialog.save()
    source = Source.get(Source.title == "Dam inspection report")
    assert window.undo_stack.count() == 1 and "Add source" in window.undo_stack.undoText()
    window.undo_stack.undo()
    assert Source.get_or_none(Source.id == source.id) is None and _searchable("dam") == []
    window.undo_stack.redo()
    again = Source.get_by_id(source.id)
    assert (again.uuid, again.url) == (source.uuid, "https://example.org/dam-report")
    assert _searchable("dam") == [source.id]


def test_undoing_the_addition_of_a_source_since_cited_is_refused_and_dropped(window, qtbot, make_claim,
                                                                             monkeypatch):
    from desktop.views import commands

    reported = []
    monkeypatch.setattr(commands, "report_error", lambda title, text: reported.append(text))
    dialog = SourceDialog(window)
    qtbot.addWidget(dialog)
    dialog.title.setText("Checkpoint log")
    dialog.save()
    source = Source.get(Source.title == "Checkpoint log")
    services.link_evidence(make_claim().id, source.id, "supports")  # not an undo step of this window
    window.undo_stack.undo()
    assert Source.get_or_none(Source.id == source.id) is not None  # still cited: kept
    assert reported and "cited by 1 claim" in reported[0]
    assert window.undo_stack.count() == 0  # the step is gone, not left claiming a state that is not there
