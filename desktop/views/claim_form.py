"""The claim form: log a new claim or edit one, validated at the field.

Validation is the service's own (``services.validate_claim``): the form asks
it about what is typed and shows each refusal under the field it names, with
Save disabled until nothing is refused. Save goes through an undo command
(``views.commands``), so Ctrl+Z in the window takes it back.

Loading a claim into the form never counts as an edit: "unsaved changes"
means "what the fields hold now differs from what they held right after
loading", so populating cannot mark the form dirty or trigger a save.

While the claim text is typed, a list under it shows existing claims that
look similar (``search.similar_claims``), and the form is kept as a draft
(``desktop.drafts``) so that it survives a crash.

Tests and other views open the form through ``open_claim_dialog`` (patchable).
"""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import QDate, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from desktop import search, services
from desktop.errors import ClaimlogError, ValidationError
from desktop.models import Claim, Claimant, Tag
from desktop.models import database as database_proxy
from desktop.scripts import looks_like_zawgyi
from desktop.views import commands
from desktop.views.worker import run_task
from desktop.workflow import PRIORITIES

try:  # written by the reliability helper; the form works without it
    from desktop import drafts as _drafts
except ImportError:  # pragma: no cover
    _drafts = None

log = logging.getLogger(__name__)

DUPLICATE_DELAY_MS = 300
DRAFT_DELAY_MS = 800
COMPLETION_LIMIT = 50_000  # names offered for completion
# (light theme, dark theme): each keeps about 4.5:1 contrast on its background
WARNING_COLOURS = ("#a34f00", "#ffb347")
ERROR_COLOURS = ("#c62828", "#ff7b72")


def theme_colour(widget, pair: tuple[str, str]) -> str:
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return pair[1] if dark else pair[0]

LABELS = {
    "text": "Claim text",
    "short_text": "Short form",
    "claimant": "Claimant",
    "claimed_on": "Claimed on",
    "appearance_url": "Appearance URL",
    "other_appearances": "Other appearances",
    "location": "Location",
    "language": "Language",
    "tags": "Tags",
    "priority": "Priority",
    "context": "Context and notes",
    "published_url": "Published URL",
}
FIELDS = tuple(f.name for f in dataclasses.fields(services.ClaimInput))


def split_tags(text: str) -> list[str]:
    return [t.strip() for t in (text or "").split(";") if t.strip()]


def _message(field: str, message: str) -> str:
    name = field.split(" ")[0]
    label = LABELS.get(name, field) + field[len(name):]  # keeps "(line 2)"
    if name == "tags" and message.startswith("is "):
        label = "One tag"
    if message.split(" ")[0] in ("is", "contains", "has", "must"):
        return f"{label} {message}"
    return f"{label}: {message}"


def field_errors(data: services.ClaimInput) -> dict[str, str]:
    """Every field the service refuses, with its message (not just the first)."""
    probe = dataclasses.replace(data, tags=list(data.tags))
    errors: dict[str, str] = {}
    for _ in range(len(FIELDS) + 1):
        try:
            services.validate_claim(probe)
            break
        except ValidationError as exc:
            name = (exc.field or "").split(" ")[0]
            if name not in FIELDS or name in errors:
                errors.setdefault(name if name in FIELDS else "text", _message(exc.field, exc.message))
                break
            errors[name] = _message(exc.field, exc.message)
            blank = {"text": "x", "priority": 0, "tags": []}.get(name, "")
            setattr(probe, name, blank)
    return errors


class TagCompleter(QCompleter):
    """Completes the tag being typed after the last ';'."""

    def splitPath(self, path: str) -> list[str]:
        return [path.split(";")[-1].strip()]

    def pathFromIndex(self, index) -> str:
        chosen = super().pathFromIndex(index)
        head = self.widget().text().rpartition(";")[0] if self.widget() else ""
        return f"{head.rstrip()}; {chosen}" if head.strip() else chosen


class DatePicker(QToolButton):
    """A button opening a calendar; the chosen day goes into the date field."""

    def __init__(self, line_edit: QLineEdit, parent=None):
        super().__init__(parent)
        self.line_edit = line_edit
        self.setText("Calendar\u2026")
        self.setToolTip("Pick a full date from a calendar")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(False)
        menu = QMenu(self)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        self.popup_menu = menu
        self.clicked.connect(self.show_calendar)
        self.calendar.activated.connect(self.pick)
        self.calendar.clicked.connect(self.pick)

    def show_calendar(self) -> None:
        self.calendar.setMaximumDate(QDate.currentDate())
        shown = QDate.fromString(self.line_edit.text().strip(), "yyyy-MM-dd")
        self.calendar.setSelectedDate(shown if shown.isValid() else QDate.currentDate())
        self.popup_menu.popup(self.mapToGlobal(self.rect().bottomLeft()))
        self.calendar.setFocus()

    def pick(self, day: QDate) -> None:
        self.line_edit.setText(day.toString("yyyy-MM-dd"))
        self.popup_menu.hide()
        self.line_edit.setFocus()


class ClaimDialog(QDialog):
    claim_saved = Signal(int)
    open_claim_requested = Signal(int)
    duplicates_refreshed = Signal()  # the similar-claims list was updated

    def __init__(self, parent=None, claim_id=None, undo_stack=None, initial=None, db_path=None,
                 draft_key: str | None = None):
        super().__init__(parent)
        self.claim_id = claim_id
        self.undo_stack = undo_stack
        self.signals = getattr(parent, "signals", None)
        self.db_path = db_path or getattr(getattr(parent, "database", None), "path", None) \
            or getattr(database_proxy.obj, "path", None)
        self.draft_key = draft_key or (f"claim-{claim_id}" if claim_id is not None else self._free_new_key())
        self._loading = True
        self._show_all_errors = False
        self._touched: set[str] = set()
        self._errors: dict[str, str] = {}
        self._saved = False
        self._missing = False
        self._closed = False
        self._dup_running = self._dup_pending = False
        self.stored: services.ClaimInput | None = None
        self.setWindowTitle("New claim" if claim_id is None else f"Edit claim #{claim_id}")
        self.setMinimumWidth(680)
        self._build()
        self._load(initial)
        self._loading = False
        self._validate()
        if getattr(parent, "read_only", False):
            self._show_banner("This database is open read-only: the claim cannot be saved.")

    def _free_new_key(self) -> str:
        """"new", or "new-N" when another form or a kept draft already uses it."""
        taken = {getattr(d, "draft_key", None) for d in _open_dialogs}
        if _drafts is not None and self.db_path is not None:
            try:
                taken.update(key for key, _data in _drafts.pending_drafts(self.db_path))
            except Exception:
                log.warning("could not read pending drafts", exc_info=True)
        key, n = "new", 1
        while key in taken:
            n += 1
            key = f"new-{n}"
        return key

    # ----- building -------------------------------------------------------
    def _build(self) -> None:
        self.banner = QLabel()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(f"color: {theme_colour(self, ERROR_COLOURS)}; font-weight: bold;")
        self.banner.hide()

        self.text_edit = QPlainTextEdit()
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setPlaceholderText("The checkable statement, in neutral wording (required)")
        self.text_edit.setMinimumHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.duplicates_label = QLabel("Existing claims that look similar (Enter or click to open):")
        self.duplicates_label.setTextFormat(Qt.TextFormat.PlainText)
        self.duplicates = QListWidget()
        self.duplicates.setAccessibleName("Similar existing claims")
        self.duplicates.setSpacing(1)
        self.duplicates.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.duplicates.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.duplicates.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.duplicates.setUniformItemSizes(True)
        self.text_note = QLabel()
        self.text_note.setTextFormat(Qt.TextFormat.PlainText)
        self.text_note.setWordWrap(True)
        self.text_note.hide()
        self.zawgyi_note = self._zawgyi_label(
            "This Burmese text looks like Zawgyi, not Unicode: search will not find it. Convert it to "
            "Unicode (for example with your keyboard or a converter tool) before saving.")
        self.duplicates.itemActivated.connect(self._open_duplicate)
        self.duplicates.itemClicked.connect(self._open_duplicate)
        self.duplicates_label.hide()
        self.duplicates.hide()

        self.short_edit = QLineEdit()
        self.short_edit.setPlaceholderText("For publishing; no verdict in it")
        self.short_count = QLabel()
        self.short_count.setTextFormat(Qt.TextFormat.PlainText)
        self.short_count.setMinimumWidth(self.fontMetrics().horizontalAdvance("000 / 75 ") + 4)
        self.short_count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.claimant_edit = QLineEdit()
        self.claimant_edit.setPlaceholderText("Person or organisation; a new name is added")
        self.claimant_note = QLabel()
        self.claimant_note.setTextFormat(Qt.TextFormat.PlainText)
        self.claimant_note.hide()
        self.date_edit = QLineEdit()
        self.date_edit.setPlaceholderText("YYYY-MM-DD, YYYY-MM or YYYY")
        self.date_picker = DatePicker(self.date_edit)
        self.appearance_edit = QLineEdit()
        self.appearance_edit.setPlaceholderText("https://\u2026 where the claim was made")
        self.others_edit = QPlainTextEdit()
        self.others_edit.setTabChangesFocus(True)
        self.others_edit.setPlaceholderText("More addresses where it appeared, one per line")
        self.others_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.location_edit = QLineEdit()
        self.language_edit = QLineEdit()
        self.language_edit.setPlaceholderText("e.g. en, fr, my")
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText("Several, separated by ';'")
        self.priority_combo = QComboBox()
        for value, label in sorted(PRIORITIES.items()):
            self.priority_combo.addItem(label, value)
        self.context_edit = QPlainTextEdit()
        self.context_edit.setTabChangesFocus(True)
        self.context_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.context_zawgyi_note = self._zawgyi_label(
            "These notes look like Zawgyi-encoded Burmese, not Unicode: search will not find them.")
        self.published_edit = QLineEdit()
        self.published_edit.setPlaceholderText("https://\u2026 of the published fact-check")
        self._set_completers()

        self.error_labels: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form = form

        def row(field, mnemonic, *widgets, below=()):
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(3)
            if len(widgets) == 1:
                column.addWidget(widgets[0])
            else:
                line = QHBoxLayout()
                line.setContentsMargins(0, 0, 0, 0)
                for w in widgets:
                    line.addWidget(w, 1 if isinstance(w, (QLineEdit, QPlainTextEdit)) else 0)
                column.addLayout(line)
            error = QLabel()
            error.setTextFormat(Qt.TextFormat.PlainText)
            error.setWordWrap(True)
            error.setStyleSheet(f"color: {theme_colour(self, ERROR_COLOURS)};")
            error.hide()
            column.addWidget(error)
            for w in below:
                column.addWidget(w)
            self.error_labels[field] = error
            label = QLabel(mnemonic)
            label.setBuddy(widgets[0])
            form.addRow(label, box)

        row("text", "Claim &text:", self.text_edit, below=(self.text_note, self.zawgyi_note, self.duplicates_label,
                                                          self.duplicates))
        row("short_text", "S&hort form:", self.short_edit, self.short_count)
        row("claimant", "Clai&mant:", self.claimant_edit, below=(self.claimant_note,))
        row("claimed_on", "Claimed &on:", self.date_edit, self.date_picker)
        row("appearance_url", "&Appearance URL:", self.appearance_edit)
        row("other_appearances", "Other a&ppearances:", self.others_edit)
        row("location", "&Location:", self.location_edit)
        row("language", "Lan&guage:", self.language_edit)
        row("tags", "Ta&gs:", self.tags_edit)
        row("priority", "P&riority:", self.priority_combo)
        row("context", "Conte&xt and notes:", self.context_edit, below=(self.context_zawgyi_note,))
        row("published_url", "P&ublished URL:", self.published_edit)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("&Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.save_button.setToolTip("Save (Ctrl+S or Ctrl+Enter)")
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.editors = {
            "text": self.text_edit, "short_text": self.short_edit, "claimant": self.claimant_edit,
            "claimed_on": self.date_edit, "appearance_url": self.appearance_edit,
            "other_appearances": self.others_edit, "location": self.location_edit,
            "language": self.language_edit, "tags": self.tags_edit, "priority": self.priority_combo,
            "context": self.context_edit, "published_url": self.published_edit,
        }
        order = [self.text_edit, self.duplicates, self.short_edit, self.claimant_edit, self.date_edit,
                 self.date_picker, self.appearance_edit, self.others_edit, self.location_edit,
                 self.language_edit, self.tags_edit, self.priority_combo, self.context_edit,
                 self.published_edit, self.save_button, self.cancel_button]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

        for keys in (QKeySequence.StandardKey.Save, QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")):
            QShortcut(keys, self, self.save)

        for name, editor in self.editors.items():
            signal = editor.currentIndexChanged if isinstance(editor, QComboBox) else editor.textChanged
            signal.connect(lambda *_, name=name: self._edited(name))
        self.short_edit.textChanged.connect(self._update_count)
        self.claimant_edit.textChanged.connect(self._update_claimant_note)
        # Checked on every change, loading included (a saved Zawgyi claim shows it too): the check
        # is a few regular expressions, and free for text without Burmese.
        self.text_edit.textChanged.connect(self._update_zawgyi_notes)
        self.context_edit.textChanged.connect(self._update_zawgyi_notes)

        self.duplicate_timer = QTimer(self, singleShot=True, interval=DUPLICATE_DELAY_MS)
        self.duplicate_timer.timeout.connect(self.refresh_duplicates)
        self.text_edit.textChanged.connect(lambda: self._loading or self.duplicate_timer.start())
        self.draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self.draft_timer.timeout.connect(self.save_draft)

    def _set_completers(self) -> None:
        names = [n for (n,) in Claimant.select(Claimant.name).order_by(Claimant.name).limit(COMPLETION_LIMIT).tuples()]
        self._claimant_names = {n.casefold() for n in names}
        claimants = QCompleter(QStringListModel(names, self), self)
        claimants.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        claimants.setFilterMode(Qt.MatchFlag.MatchContains)
        self.claimant_edit.setCompleter(claimants)
        tags = [n for (n,) in Tag.select(Tag.name).order_by(Tag.name).limit(COMPLETION_LIMIT).tuples()]
        completer = TagCompleter(QStringListModel(tags, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.tags_edit.setCompleter(completer)

    # ----- loading and collecting ----------------------------------------
    def _load(self, initial: services.ClaimInput | None) -> None:
        if self.claim_id is not None:
            claim = Claim.get_or_none(Claim.id == self.claim_id)
            if claim is None:
                self._show_banner(f"Claim #{self.claim_id} no longer exists.")
                self._missing = True
            else:
                self.stored = services.ClaimInput.from_claim(claim)
                if claim.status == "final":
                    self.text_edit.setReadOnly(True)
                    self.text_note.setText("This claim is final: reopen it (Status) before changing its text.")
                    self.text_note.show()
        self.populate(self.stored or services.ClaimInput(text=""))
        self.baseline = self.collect()  # what "no unsaved changes" means
        if initial is not None:
            self.populate(initial)
            self._show_all_errors = True
        elif self.stored is not None:
            self._show_all_errors = True
        self._update_count()
        self._update_claimant_note()

    def populate(self, data: services.ClaimInput) -> None:
        """Put ``data`` into the fields; never counts as an edit, never saves."""
        was_loading, self._loading = self._loading, True
        try:
            self.text_edit.setPlainText(data.text or "")
            self.short_edit.setText(data.short_text or "")
            self.claimant_edit.setText(data.claimant or "")
            self.date_edit.setText(data.claimed_on or "")
            self.appearance_edit.setText(data.appearance_url or "")
            self.others_edit.setPlainText(data.other_appearances or "")
            self.location_edit.setText(data.location or "")
            self.language_edit.setText(data.language or "")
            self.tags_edit.setText("; ".join(data.tags or []))
            index = self.priority_combo.findData(data.priority)
            if index < 0:
                self.priority_combo.addItem(str(data.priority), data.priority)
                index = self.priority_combo.count() - 1
            self.priority_combo.setCurrentIndex(index)
            self.context_edit.setPlainText(data.context or "")
            self.published_edit.setText(data.published_url or "")
            for editor in self.editors.values():
                if isinstance(editor, QLineEdit):
                    editor.setCursorPosition(0)  # show the start of long addresses
        finally:
            self._loading = was_loading

    def collect(self) -> services.ClaimInput:
        return services.ClaimInput(
            text=self.text_edit.toPlainText(),
            short_text=self.short_edit.text(),
            claimant=self.claimant_edit.text(),
            claimed_on=self.date_edit.text(),
            appearance_url=self.appearance_edit.text(),
            other_appearances=self.others_edit.toPlainText(),
            location=self.location_edit.text(),
            language=self.language_edit.text(),
            tags=split_tags(self.tags_edit.text()),
            priority=self.priority_combo.currentData(),
            context=self.context_edit.toPlainText(),
            published_url=self.published_edit.text(),
        )

    def is_dirty(self) -> bool:
        return not self._saved and self.collect() != self.baseline

    # ----- reacting to edits ----------------------------------------------
    def _edited(self, name: str) -> None:
        if self._loading:
            return
        self._touched.add(name)
        if not self._cannot_save():
            self.banner.hide()
        self._validate()
        if self.is_dirty():
            self.draft_timer.start()

    def _validate(self) -> dict[str, str]:
        self._errors = field_errors(self.collect())
        for name, label in self.error_labels.items():
            message = self._errors.get(name)
            shown = bool(message) and (self._show_all_errors or name in self._touched)
            label.setText(message or "")
            label.setVisible(shown)
        self.save_button.setEnabled(not self._errors and not self._cannot_save())
        if self._errors:
            self.save_button.setToolTip("Fix the fields marked in red first")
        else:
            self.save_button.setToolTip("Save (Ctrl+S or Ctrl+Enter)")
        return self._errors

    def _cannot_save(self) -> bool:
        return self._missing or bool(getattr(self.parent(), "read_only", False))

    def _update_count(self) -> None:
        n = len(self.short_edit.text().strip())
        target = services.SHORT_TEXT_TARGET
        self.short_count.setText(f"{n} / {target}")
        over = n > target
        colour = theme_colour(self, WARNING_COLOURS)
        self.short_count.setStyleSheet(f"color: {colour}; font-weight: bold;" if over else "")
        self.short_count.setToolTip(
            f"{n - target} characters over the publishing target of about {target}" if over
            else f"Aim for about {target} characters"
        )

    def _update_claimant_note(self) -> None:
        name = self.claimant_edit.text().strip()
        new = bool(name) and name.casefold() not in self._claimant_names
        self.claimant_note.setText(f"New claimant: \u201c{name}\u201d will be added." if new else "")
        self.claimant_note.setVisible(new)

    def _zawgyi_label(self, message: str) -> QLabel:
        label = QLabel(message)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {theme_colour(self, WARNING_COLOURS)};")
        label.hide()
        return label

    def _update_zawgyi_notes(self) -> None:
        """A hint, never a refusal: Save stays allowed (desktop.scripts explains the detection)."""
        self.zawgyi_note.setVisible(looks_like_zawgyi(self.text_edit.toPlainText()))
        self.context_zawgyi_note.setVisible(looks_like_zawgyi(self.context_edit.toPlainText()))

    def _show_banner(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.show()

    # ----- duplicates -----------------------------------------------------
    def refresh_duplicates(self) -> None:
        """Look for similar claims off the GUI thread (one search at a time)."""
        if self._dup_running:
            self._dup_pending = True
            return
        self._dup_running, self._dup_pending = True, False
        text = self.text_edit.toPlainText()

        def finished(found):
            self._dup_running = False
            if self._closed:
                return
            if self._dup_pending:  # typed meanwhile: this answer is stale
                self.refresh_duplicates()
                return
            self.show_duplicates(found)

        def failed(exc):  # a hint must never get in the way of typing
            log.warning("duplicate hint failed: %s", exc)
            finished([])

        run_task(None, search.similar_claims, text, 5, self.claim_id, on_done=finished, on_error=failed)

    def show_duplicates(self, found) -> None:
        self.duplicates.clear()
        for claim_id, headline, _score in found:
            item = QListWidgetItem(f"#{claim_id}  {headline}")
            item.setData(Qt.ItemDataRole.UserRole, claim_id)
            item.setToolTip(headline)
            self.duplicates.addItem(item)
        if found:
            rows = (self.duplicates.sizeHintForRow(0) + 2) * len(found) + 2 * self.duplicates.frameWidth() + 2
            self.duplicates.setFixedHeight(rows)
        self.duplicates.setVisible(bool(found))
        self.duplicates_label.setVisible(bool(found))
        self.duplicates_refreshed.emit()

    def _open_duplicate(self, item: QListWidgetItem) -> None:
        self.open_claim_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    # ----- drafts ---------------------------------------------------------
    def save_draft(self) -> None:
        if _drafts is None or self.db_path is None or self._saved or not self.is_dirty():
            return
        try:
            _drafts.save_draft(self.db_path, self.draft_key, dataclasses.asdict(self.collect()))
        except Exception:
            log.warning("could not keep a draft of the claim form", exc_info=True)

    def discard_draft(self) -> None:
        self.draft_timer.stop()
        if _drafts is None or self.db_path is None:
            return
        try:
            _drafts.discard_draft(self.db_path, self.draft_key)
        except Exception:
            log.warning("could not discard the claim form's draft", exc_info=True)

    # ----- saving and closing --------------------------------------------
    def save(self) -> bool:
        """Validate, write through an undo command, close. False if refused."""
        if self._cannot_save():
            return False
        self._show_all_errors = True
        errors = self._validate()
        if errors:
            self.editors[next(n for n in FIELDS if n in errors)].setFocus()
            return False
        data = self.collect()
        if self.claim_id is not None and data == self.baseline:
            self._finish()
            return True
        if self.claim_id is None:
            command = commands.CreateClaimCommand(data, self.signals)
        else:
            command = commands.EditClaimCommand(self.claim_id, self.stored, data, self.signals)
        try:
            commands.run(command, self.undo_stack)
        except ValidationError as exc:
            name = (exc.field or "").split(" ")[0]
            if name in self.error_labels:
                self.error_labels[name].setText(_message(exc.field, exc.message))
                self.error_labels[name].show()
                self.editors[name].setFocus()
            else:
                self._show_banner(str(exc))
            return False
        except ClaimlogError as exc:
            self._show_banner(f"Not saved: {exc} What you typed is still here; try again.")
            return False
        self.claim_id = command.claim_id
        self._finish()
        self.claim_saved.emit(command.claim_id)
        return True

    def _finish(self) -> None:
        self._saved = True
        self.discard_draft()
        self.accept()

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return QMessageBox.question(self, "Unsaved changes", "Save the changes to this claim?",
                                    buttons, QMessageBox.StandardButton.Save)

    def reject(self) -> None:
        """Cancel, Esc or closing: ask first when something was typed."""
        if self.is_dirty():
            answer = self.ask_unsaved()
            if answer == QMessageBox.StandardButton.Save:
                self.save()
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
        self._saved = True  # nothing left to keep
        self.discard_draft()
        super().reject()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._closed = False
        # QDialogButtonBox makes Save the default button when shown; Enter
        # belongs to the field being typed in (completions, duplicates list).
        self.save_button.setDefault(False)

    def done(self, result: int) -> None:
        self._closed = True
        self.duplicate_timer.stop()
        self.draft_timer.stop()
        if self in _open_dialogs:
            _open_dialogs.remove(self)
        super().done(result)


_open_dialogs: list[ClaimDialog] = []


def open_claim_dialog(window, claim_id=None, initial=None, draft_key=None) -> ClaimDialog:
    """Show the claim form for ``window`` (non-modal); one form per claim."""
    for dialog in _open_dialogs:
        if claim_id is not None and dialog.claim_id == claim_id and dialog.parent() is window:
            dialog.raise_()
            dialog.activateWindow()
            return dialog
    dialog = ClaimDialog(window, claim_id=claim_id, undo_stack=getattr(window, "undo_stack", None),
                         initial=initial, draft_key=draft_key)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open_claim_requested.connect(lambda cid: open_claim_dialog(window, cid))
    select = getattr(window, "select_claim", None)
    if callable(select):
        dialog.claim_saved.connect(select)
    _open_dialogs.append(dialog)
    dialog.show()
    return dialog


def open_dialogs(window=None) -> list[ClaimDialog]:
    return [d for d in _open_dialogs if window is None or d.parent() is window]
