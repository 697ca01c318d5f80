"""The claim form, driven like a person would (keyboard first), checked in the database."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView

from desktop import drafts, services
from desktop.errors import ValidationError
from desktop.models import Claim, History
from desktop.views import claim_actions, claim_form, commands
from desktop.views.main_window import MainWindow

Key = Qt.Key
Button = QMessageBox.StandardButton


@pytest.fixture
def asked(monkeypatch):
    """Answers for QMessageBox.question, in order; fails the test if asked unexpectedly."""
    answers = Answers()
    questions = []

    def question(parent, title, text, *args, **kwargs):
        questions.append(text)
        assert answers, f"unexpected question: {text}"
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    answers.questions = questions
    return answers


class Answers(list):
    questions: list


@pytest.fixture
def window(database, qtbot, tmp_path, monkeypatch, asked):
    monkeypatch.setattr(drafts, "_state_dir_override", tmp_path / "state")
    monkeypatch.setattr(commands, "report_error", lambda title, message: pytest.fail(message))
    win = MainWindow(database)
    qtbot.addWidget(win)
    yield win
    for dialog in claim_form.open_dialogs():
        dialog._saved = True
        dialog.close()
    win.undo_stack.clear()


def focused():
    """Where a real key press would go: an open popup (completer, calendar) first."""
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return popup.focusWidget() or popup
    return QApplication.focusWidget()


def type_text(text):
    QTest.keyClicks(focused(), text)


def press(key, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(focused(), key, modifier)


def open_form(window, qtbot, claim_id=None):
    dialog = claim_form.open_claim_dialog(window, claim_id)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_whole_form_filled_and_saved_with_the_keyboard(window, qtbot, make_claim, database):
    make_claim("An older claim about ferries", claimant="Port Authority", tags=["transport"])
    dialog = open_form(window, qtbot)
    assert focused() is dialog.text_edit
    type_text("The ferry fare doubled between 2019 and 2023")
    press(Key.Key_Tab)
    assert focused() is dialog.short_edit
    type_text("Ferry fares doubled in four years")
    press(Key.Key_Tab)
    assert focused() is dialog.claimant_edit
    type_text("port")  # completion over existing claimants
    qtbot.waitUntil(lambda: dialog.claimant_edit.completer().popup().isVisible())
    press(Key.Key_Down)
    press(Key.Key_Return)
    assert dialog.claimant_edit.text() == "Port Authority"
    press(Key.Key_Tab)
    assert focused() is dialog.date_edit
    type_text("2023-11")
    press(Key.Key_Tab)
    assert focused() is dialog.date_picker
    press(Key.Key_Tab)
    assert focused() is dialog.appearance_edit
    type_text("https://example.org/interview")
    press(Key.Key_Tab)
    assert focused() is dialog.others_edit
    type_text("https://example.org/a")
    press(Key.Key_Return)
    type_text("https://example.org/b")
    press(Key.Key_Tab)
    assert focused() is dialog.location_edit
    type_text("Harbour district")
    press(Key.Key_Tab)
    type_text("en")
    press(Key.Key_Tab)
    assert focused() is dialog.tags_edit
    type_text("prices; trans")  # completes the tag being typed
    qtbot.waitUntil(lambda: dialog.tags_edit.completer().popup().isVisible())
    press(Key.Key_Down)
    press(Key.Key_Return)
    assert dialog.tags_edit.text() == "prices; transport"
    press(Key.Key_Tab)
    assert focused() is dialog.priority_combo
    press(Key.Key_End)  # the highest priority
    press(Key.Key_Tab)
    assert focused() is dialog.context_edit
    type_text("Said on local radio.")
    press(Key.Key_Tab)
    assert focused() is dialog.published_edit
    press(Key.Key_Tab)
    assert focused() is dialog.save_button
    with qtbot.waitSignal(dialog.claim_saved) as saved:
        press(Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    claim = Claim.get_by_id(saved.args[0])
    assert claim.text == "The ferry fare doubled between 2019 and 2023"
    assert claim.short_text == "Ferry fares doubled in four years"
    assert claim.claimant_name == "Port Authority"
    assert claim.claimed_on == "2023-11"
    assert claim.appearance_url == "https://example.org/interview"
    assert claim.other_appearances == "https://example.org/a\nhttps://example.org/b"
    assert (claim.location, claim.language, claim.priority) == ("Harbour district", "en", 3)
    assert claim.tags_text == "prices; transport"
    assert claim.context == "Said on local radio."
    assert not dialog.isVisible()
    assert window.undo_stack.count() == 1


def test_calendar_picks_a_full_date_by_keyboard(window, qtbot):
    dialog = open_form(window, qtbot)
    dialog.date_picker.setFocus()
    press(Key.Key_Space)
    qtbot.waitUntil(dialog.date_picker.popup_menu.isVisible)
    press(Key.Key_Return)
    assert not dialog.date_picker.popup_menu.isVisible()
    from datetime import date
    assert dialog.date_edit.text() == date.today().isoformat()
    assert focused() is dialog.date_edit


def visible_error(dialog, field):
    label = dialog.error_labels[field]
    return label.text() if label.isVisible() else ""


def test_messages_at_the_field_and_save_disabled_while_invalid(window, qtbot, asked):
    dialog = open_form(window, qtbot)
    assert not dialog.save_button.isEnabled()  # empty text
    assert visible_error(dialog, "text") == ""  # not shouted at before typing
    type_text("x")
    assert dialog.save_button.isEnabled()
    press(Key.Key_Backspace)
    assert visible_error(dialog, "text") == "Claim text is required and cannot be only spaces."
    assert not dialog.save_button.isEnabled()
    type_text("Vaccines contain microchips")

    dialog.date_edit.setFocus()
    type_text("2023-02-30")
    assert "not a real date" in visible_error(dialog, "claimed_on")
    dialog.appearance_edit.setFocus()
    type_text("javascript:alert(1)")
    assert "only http and https" in visible_error(dialog, "appearance_url")
    dialog.location_edit.setText("Lis\x07bon")
    assert "control character" in visible_error(dialog, "location")
    assert "U+0007" in visible_error(dialog, "location")
    dialog.others_edit.setPlainText("https://example.org/ok\nnot a link")
    assert visible_error(dialog, "other_appearances").startswith("Other appearances (line 2)")
    # every problem is shown at once, each at its own field
    assert not dialog.save_button.isEnabled()
    press(Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert Claim.select().count() == 0

    dialog.date_edit.setText("2023-02")
    dialog.appearance_edit.setText("https://example.org/post")
    dialog.location_edit.setText("Lisbon")
    dialog.others_edit.setPlainText("https://example.org/ok")
    assert all(not visible_error(dialog, f) for f in dialog.error_labels)
    assert dialog.save_button.isEnabled()


def test_overlong_text_is_refused_with_the_limit(window, qtbot):
    dialog = open_form(window, qtbot)
    dialog.text_edit.setPlainText("a" * (services.LIMITS["text"] + 1))
    assert visible_error(dialog, "text") == "Claim text is 10,001 characters long; the limit is 10,000."
    assert not dialog.save_button.isEnabled()
    dialog.short_edit.setText("s" * 201)
    assert "the limit is 200" in visible_error(dialog, "short_text")


def test_short_form_counts_characters_and_warns_over_the_target(window, qtbot):
    dialog = open_form(window, qtbot)
    dialog.short_edit.setFocus()
    type_text("a" * 75)
    assert dialog.short_count.text() == "75 / 75"
    assert dialog.short_count.styleSheet() == ""
    type_text("b")
    assert dialog.short_count.text() == "76 / 75"
    assert claim_form.theme_colour(dialog, claim_form.WARNING_COLOURS) in dialog.short_count.styleSheet()


def test_new_claimant_is_announced_and_created(window, qtbot, make_claim):
    make_claim("Earlier", claimant="Known Person")
    dialog = open_form(window, qtbot)
    type_text("Schools will close on Fridays")
    dialog.claimant_edit.setText("known person")
    assert not dialog.claimant_note.isVisible()
    dialog.claimant_edit.setText("Someone New")
    assert dialog.claimant_note.isVisible()
    with qtbot.waitSignal(dialog.claim_saved) as saved:
        press(Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert Claim.get_by_id(saved.args[0]).claimant.name == "Someone New"


def test_edit_an_existing_claim_and_undo_it(window, qtbot, make_claim):
    claim = make_claim("The river is the cleanest in the country", claimant="Water Board",
                       tags=["environment"], claimed_on="2022", priority=2)
    dialog = open_form(window, qtbot, claim.id)
    assert dialog.text_edit.toPlainText() == claim.text
    assert dialog.tags_edit.text() == "environment"
    assert dialog.priority_combo.currentData() == 2
    assert not dialog.is_dirty()
    dialog.claimant_edit.setText("River Trust")
    dialog.tags_edit.setText("environment; water")
    with qtbot.waitSignal(dialog.claim_saved):
        dialog.save_button.click()
    stored = Claim.get_by_id(claim.id)
    assert stored.claimant_name == "River Trust"
    assert stored.tags_text == "environment; water"
    assert stored.claimed_on == "2022"  # untouched fields kept
    window.undo_stack.undo()
    assert Claim.get_by_id(claim.id).claimant_name == "Water Board"
    assert Claim.get_by_id(claim.id).tags_text == "environment"
    window.undo_stack.redo()
    assert Claim.get_by_id(claim.id).claimant_name == "River Trust"


def test_populating_does_not_dirty_or_write(window, qtbot, make_claim, asked):
    claim = make_claim("Tax rates are the lowest in Europe", claimant="Party spokesperson",
                       tags=["tax", "europe"], context="Line one\nLine two", other_appearances="https://example.org/x")
    before = (Claim.get_by_id(claim.id).updated_at, History.select().count())
    dialog = open_form(window, qtbot, claim.id)
    assert not dialog.is_dirty()
    assert all(not label.isVisible() for label in dialog.error_labels.values())
    dialog.populate(services.ClaimInput.from_claim(claim))  # reloading is not an edit either
    assert not dialog.is_dirty()
    assert not dialog.draft_timer.isActive()
    press(Key.Key_Escape)  # no question: nothing changed
    assert not dialog.isVisible()
    assert asked.questions == []
    assert (Claim.get_by_id(claim.id).updated_at, History.select().count()) == before
    assert window.undo_stack.count() == 0
    assert drafts.pending_drafts(window.database.path) == []


def test_cancel_with_changes_asks_and_cancel_keeps_the_form(window, qtbot, asked):
    dialog = open_form(window, qtbot)
    type_text("Bread costs three times more than last year")
    asked.append(Button.Cancel)
    press(Key.Key_Escape)
    assert dialog.isVisible()
    assert dialog.text_edit.toPlainText().startswith("Bread")
    asked.append(Button.Discard)
    dialog.cancel_button.click()
    assert not dialog.isVisible()
    assert len(asked.questions) == 2
    assert Claim.select().count() == 0


def test_closing_with_changes_can_save(window, qtbot, asked):
    dialog = open_form(window, qtbot)
    type_text("Crime fell by half")
    asked.append(Button.Save)
    with qtbot.waitSignal(dialog.claim_saved):
        dialog.close()
    assert [c.text for c in Claim.select()] == ["Crime fell by half"]


def test_closing_the_window_asks_each_unsaved_form(window, qtbot, asked):
    window.show()
    dialog = open_form(window, qtbot)
    type_text("Half-typed claim")
    asked.append(Button.Cancel)
    window.close()
    assert window.isVisible() and dialog.isVisible()
    asked.append(Button.Discard)
    window.close()
    assert not dialog.isVisible()


def test_duplicate_hint_lists_similar_claims_and_opens_one(window, qtbot, make_claim):
    older = make_claim("The harbour bridge cost twice its announced budget")
    make_claim("Cats sleep sixteen hours a day")
    dialog = open_form(window, qtbot)
    with qtbot.waitSignal(dialog.duplicates_refreshed, timeout=3000):
        type_text("harbour bridge budget doubled")
    assert dialog.duplicates.isVisible()
    items = [dialog.duplicates.item(i) for i in range(dialog.duplicates.count())]
    assert [item.data(Qt.ItemDataRole.UserRole) for item in items] == [older.id]
    assert "harbour bridge" in items[0].text()
    dialog.duplicates.setFocus()
    dialog.duplicates.setCurrentRow(0)
    with qtbot.waitSignal(dialog.open_claim_requested) as opened:
        press(Key.Key_Return)
    assert opened.args == [older.id]
    assert older.id in [d.claim_id for d in claim_form.open_dialogs(window)]  # the window opened it
    assert dialog.isVisible()  # non-blocking: the new claim's form stays


def test_duplicate_hint_leaves_out_the_claim_being_edited(window, qtbot, make_claim):
    claim = make_claim("Electric buses cut city emissions by thirty percent")
    dialog = open_form(window, qtbot, claim.id)
    make_claim("Cats sleep sixteen hours a day")
    dialog.text_edit.setFocus()
    with qtbot.waitSignal(dialog.duplicates_refreshed, timeout=3000):
        type_text(" overall")
    assert dialog.duplicates.count() == 0 and not dialog.duplicates.isVisible()
    with qtbot.waitSignal(dialog.duplicates_refreshed, timeout=3000):
        type_text(" and cats sleep")  # now like another claim: that one is listed
    assert [dialog.duplicates.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(dialog.duplicates.count())] == [claim.id + 1]


def test_draft_is_kept_while_typing_and_dropped_on_save(window, qtbot):
    dialog = open_form(window, qtbot)
    type_text("Draft about water prices")
    path = window.database.path
    qtbot.waitUntil(lambda: bool(drafts.pending_drafts(path)), timeout=3000)
    [(key, data)] = drafts.pending_drafts(path)
    assert key == dialog.draft_key == "new"
    assert services.ClaimInput(**data).text == "Draft about water prices"
    with qtbot.waitSignal(dialog.claim_saved):
        dialog.save()
    assert drafts.pending_drafts(path) == []


def test_draft_is_dropped_on_discard_and_offered_back_as_initial(window, qtbot, asked):
    path = window.database.path
    dialog = open_form(window, qtbot)
    type_text("Typed before a crash")
    qtbot.waitUntil(lambda: bool(drafts.pending_drafts(path)), timeout=3000)
    [(key, data)] = drafts.pending_drafts(path)
    asked.append(Button.Discard)
    dialog.close()
    assert drafts.pending_drafts(path) == []
    # what the reliability start-up does with a pending draft:
    again = claim_form.open_claim_dialog(window, initial=services.ClaimInput(**data), draft_key=key)
    assert again.text_edit.toPlainText() == "Typed before a crash"
    assert again.is_dirty()
    with qtbot.waitSignal(again.claim_saved):
        again.save()
    assert Claim.select().count() == 1


def test_undo_redo_of_create_trash_restore_through_the_window(window, qtbot, asked, monkeypatch):
    dialog = open_form(window, qtbot)
    type_text("Pensions rose faster than prices")
    with qtbot.waitSignal(dialog.claim_saved) as saved:
        dialog.save()
    cid = saved.args[0]
    live = lambda: Claim.get_by_id(cid).deleted_at is None  # noqa: E731
    window.undo_stack.undo()
    assert not live()
    window.undo_stack.redo()
    assert live()

    monkeypatch.setattr(window, "selected_claim_ids", lambda: [cid])
    window.claim_actions["trash"].trigger()
    assert not live()
    window.undo_stack.undo()
    assert live()
    window.undo_stack.redo()
    assert not live()
    window.claim_actions["restore"].trigger()
    assert live()
    window.undo_stack.undo()
    assert not live()

    asked.append(Button.Cancel)
    window.claim_actions["empty_trash"].trigger()
    assert Claim.select().count() == 1
    asked.append(Button.Yes)
    window.claim_actions["empty_trash"].trigger()
    assert Claim.select().count() == 0
    reported = []
    monkeypatch.setattr(commands, "report_error", lambda title, message: reported.append(message))
    window.undo_stack.undo()  # the claim is gone for good: reported, not a crash
    assert reported and Claim.select().count() == 0


def test_enter_and_double_click_on_the_table_edit_delete_trashes(window, qtbot, make_claim, monkeypatch):
    claim = make_claim("Parking fines doubled")
    view = getattr(window, "claims_view", None)
    if view is None:  # the window has no table yet: attach the actions to one
        view = QTableView(window)
        window.claims_view = view
        claim_actions._attach_view(window, window.claim_actions["edit"], window.claim_actions["trash"])
    opened = []
    monkeypatch.setattr(claim_form, "open_claim_dialog", lambda win, cid=None, **kw: opened.append(cid))
    monkeypatch.setattr(window, "current_claim_id", lambda: claim.id)
    monkeypatch.setattr(window, "selected_claim_ids", lambda: [claim.id])
    if callable(getattr(window, "reload", None)):
        window.reload()  # leave the empty state: the table shows the claim
    window.show()
    window.activateWindow()
    qtbot.waitUntil(view.isVisible)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    press(Key.Key_Return)
    assert opened == [claim.id]
    view.doubleClicked.emit(QModelIndex())
    assert opened == [claim.id, claim.id]
    press(Key.Key_Delete)
    assert Claim.get_by_id(claim.id).deleted_at is not None


def test_new_claim_shortcut_opens_the_form(window, qtbot):
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    [dialog] = claim_form.open_dialogs(window)
    assert dialog.claim_id is None and dialog.windowTitle() == "New claim"


def test_read_only_window_disables_saving(window, qtbot):
    window.set_read_only(True)
    assert not window.claim_actions["new"].isEnabled()
    dialog = claim_form.open_claim_dialog(window)
    dialog.text_edit.setPlainText("Cannot be saved here")
    assert not dialog.save_button.isEnabled()
    assert dialog.banner.isVisible() and "read-only" in dialog.banner.text()
    assert dialog.save() is False
    assert Claim.select().count() == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), line=st.text(max_size=80), date=st.text(max_size=12), url=st.text(max_size=40))
def test_any_input_gets_a_field_message_or_is_valid(window, text, line, date, url):
    data = services.ClaimInput(text=text, location=line, claimed_on=date, appearance_url=url, tags=[line])
    errors = claim_form.field_errors(data)
    if not errors:
        services.validate_claim(data)
    else:
        assert set(errors) <= set(claim_form.FIELDS)
        with pytest.raises(ValidationError):
            services.validate_claim(data)
        for message in errors.values():
            assert message and "Traceback" not in message


def test_write_failure_keeps_what_was_typed_for_a_retry(window, qtbot, monkeypatch):
    from desktop.errors import StorageError

    real_create = services.create_claim

    def disk_full(*args, **kwargs):
        raise StorageError("The disk is full; the change was not saved.", "full")

    monkeypatch.setattr(services, "create_claim", disk_full)
    dialog = open_form(window, qtbot)
    type_text("Fuel subsidies will end in May")
    assert dialog.save() is False
    assert dialog.isVisible()
    assert dialog.banner.isVisible() and "disk is full" in dialog.banner.text()
    assert dialog.text_edit.toPlainText() == "Fuel subsidies will end in May"
    assert window.undo_stack.count() == 0 and Claim.select().count() == 0
    monkeypatch.setattr(services, "create_claim", real_create)
    with qtbot.waitSignal(dialog.claim_saved):
        press(Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert [c.text for c in Claim.select()] == ["Fuel subsidies will end in May"]


def test_markup_in_user_data_is_shown_as_text(window, qtbot, make_claim):
    make_claim("<b>Bold</b> claim about <i>markup</i> in fields")
    dialog = open_form(window, qtbot)
    dialog.date_edit.setText("<b>soon</b>")
    label = dialog.error_labels["claimed_on"]
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert "<b>soon</b>" in label.text()
    with qtbot.waitSignal(dialog.duplicates_refreshed, timeout=3000):
        dialog.text_edit.setPlainText("bold claim about markup")
    assert dialog.duplicates.item(0).text().endswith("<b>Bold</b> claim about <i>markup</i> in fields")


def test_final_claim_text_is_locked_but_other_fields_save(window, qtbot, make_claim, make_source):
    claim = make_claim("Exports grew by a fifth")
    services.link_evidence(claim.id, make_source().id, "supports")
    services.set_verdict(claim.id, "true", "Customs figures agree.")
    for status in ("in_progress", "needs_review", "final"):
        services.set_status(claim.id, status)
    dialog = open_form(window, qtbot, claim.id)
    assert dialog.text_edit.isReadOnly()
    assert dialog.text_note.isVisible() and "final" in dialog.text_note.text()
    dialog.location_edit.setText("Port city")
    with qtbot.waitSignal(dialog.claim_saved):
        dialog.save()
    stored = Claim.get_by_id(claim.id)
    assert (stored.location, stored.status, stored.text) == ("Port city", "final", "Exports grew by a fifth")


def test_a_new_form_never_overwrites_another_draft(window, qtbot):
    path = window.database.path
    drafts.save_draft(path, "new", {"text": "Left over from a crash"})
    first = claim_form.open_claim_dialog(window)
    second = claim_form.open_claim_dialog(window)
    assert first.draft_key == "new-2" and second.draft_key == "new-3"
    second.text_edit.setPlainText("Second form")
    second.save_draft()
    assert dict(drafts.pending_drafts(path))["new"] == {"text": "Left over from a crash"}
    assert dict(drafts.pending_drafts(path))["new-3"]["text"] == "Second form"


# "I go to school." in Zawgyi and in Unicode (see tests/test_zawgyi.py for the code points).
ZAWGYI_SCHOOL = "\u1000\u107d\u103c\u1014\u1039\u1031\u1010\u102c\u1039 \u1031\u1000\u103a\u102c\u1004\u1039\u1038"
UNICODE_SCHOOL = "\u1000\u103b\u103d\u1014\u103a\u1010\u1031\u102c\u103a \u1000\u103b\u1031\u102c\u1004\u103a\u1038"


def type_burmese(text):
    """Key presses carrying Burmese characters, as a Burmese keyboard layout sends them
    (QTest.keyClicks only knows ASCII keys)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(focused(), QKeyEvent(kind, Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch))


def test_zawgyi_text_gets_a_hint_but_still_saves(window, qtbot):
    dialog = open_form(window, qtbot)
    assert not dialog.zawgyi_note.isVisible()
    type_burmese(UNICODE_SCHOOL)
    assert dialog.text_edit.toPlainText() == UNICODE_SCHOOL
    assert not dialog.zawgyi_note.isVisible()
    dialog.text_edit.selectAll()
    type_burmese(ZAWGYI_SCHOOL)
    assert dialog.text_edit.toPlainText() == ZAWGYI_SCHOOL
    assert dialog.zawgyi_note.isVisible()
    assert "Zawgyi" in dialog.zawgyi_note.text() and "search will not find it" in dialog.zawgyi_note.text()
    assert dialog.zawgyi_note.textFormat() == Qt.TextFormat.PlainText
    assert not dialog.context_zawgyi_note.isVisible()
    dialog.context_edit.setFocus()
    type_text("Heard on radio: ")
    type_burmese(ZAWGYI_SCHOOL)
    assert dialog.context_zawgyi_note.isVisible()
    assert dialog.save_button.isEnabled()  # a hint, not a refusal
    with qtbot.waitSignal(dialog.claim_saved) as saved:
        dialog.save_button.click()
    stored = Claim.get_by_id(saved.args[0])
    assert (stored.text, stored.context) == (ZAWGYI_SCHOOL, "Heard on radio: " + ZAWGYI_SCHOOL)


def test_zawgyi_hint_follows_the_text_and_shows_for_a_stored_claim(window, qtbot, make_claim):
    claim = make_claim(ZAWGYI_SCHOOL)
    dialog = open_form(window, qtbot, claim.id)
    assert dialog.zawgyi_note.isVisible()
    dialog.text_edit.setPlainText(UNICODE_SCHOOL)
    assert not dialog.zawgyi_note.isVisible()
    dialog.text_edit.setPlainText("Plain English again")
    assert not dialog.zawgyi_note.isVisible()
    dialog.text_edit.setPlainText(UNICODE_SCHOOL + " " + ZAWGYI_SCHOOL)
    assert dialog.zawgyi_note.isVisible()
