"""The search box and the filters beside it; emits one ``ClaimFilter``.

Typing in the search box applies after a short pause (``DEBOUNCE_MS``);
every other control applies at once. The bar never builds SQL: it only fills
a ``ClaimFilter``.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.claim_filter import ClaimFilter, highlight_terms
from desktop.lazy import lazy_module
from desktop.workflow import STATUSES, VERDICTS

peewee = lazy_module("peewee")  # the tag list and claimant names: read once the database is open
models = lazy_module("desktop.models")

DEBOUNCE_MS = 150
# A lone Latin letter or digit matches most of a big database (the prefix
# "a*" is 90% of a million claims: a second of counting), so while the word
# being typed has one such character the search waits for a second one;
# Enter still searches for it. One character of an
# unbroken script (Burmese, Chinese...) is a real word and applies at once.
MIN_TYPED = 2
NO_VERDICT = ""
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class FilterBar(QWidget):
    filter_changed = Signal(object)  # ClaimFilter

    def __init__(self, parent=None, *, load_choices: bool = True):
        """``load_choices``: False leaves the tag list to ``reload_choices()`` (the database is not open yet)."""
        super().__init__(parent)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._debounced)
        self._applied: ClaimFilter | None = None

        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search claims (Ctrl+F or /): words, \"exact phrase\", -exclude")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda _t: self._debounce.start())
        self.search_box.returnPressed.connect(self.apply_now)
        self._typed_text = ""  # the search text last applied

        self.status_box = QComboBox()
        self.status_box.addItem("Any status", None)
        for term in STATUSES.values():
            self.status_box.addItem(term.label, term.id)
        self.verdict_box = QComboBox()
        self.verdict_box.addItem("Any verdict", None)
        self.verdict_box.addItem("No verdict yet", NO_VERDICT)
        for term in VERDICTS.values():
            self.verdict_box.addItem(term.label, term.id)
        self.tag_box = QComboBox()
        self.tag_box.setMinimumContentsLength(10)
        self.tag_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.claimant_box = QLineEdit()
        self.claimant_box.setPlaceholderText("Claimant")
        self.claimant_box.setClearButtonEnabled(True)
        self._claimant_names = QStringListModel(self)
        completer = QCompleter(self._claimant_names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.claimant_box.setCompleter(completer)
        self.claimant_box.textEdited.connect(self._complete_claimants)
        self.claimant_box.editingFinished.connect(self._emit)
        completer.activated.connect(lambda _text: self._emit())
        self.date_from = QLineEdit()
        self.date_to = QLineEdit()
        for box, hint in ((self.date_from, "Claimed from"), (self.date_to, "to")):
            box.setPlaceholderText(hint)
            box.setToolTip("A date like 2023, 2023-11 or 2023-11-05")
            box.setMaximumWidth(110)
            box.editingFinished.connect(self._emit)
        self.no_sources = QCheckBox("No sources yet")
        self.trash = QCheckBox("Trash")
        self.trash.setToolTip("Show the claims in the trash instead of the live ones")
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.clicked.connect(self.clear)
        for box in (self.status_box, self.verdict_box, self.tag_box):
            box.currentIndexChanged.connect(lambda _i: self._emit())
        for box in (self.no_sources, self.trash):
            box.toggled.connect(lambda _on: self._emit())
        self.problem = QLabel()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.hide()

        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        top.addWidget(self.no_sources)
        top.addWidget(self.trash)
        bottom = QHBoxLayout()
        for widget in (self.status_box, self.verdict_box, self.tag_box):
            bottom.addWidget(widget)
        bottom.addWidget(self.claimant_box, 1)
        bottom.addWidget(self.date_from)
        bottom.addWidget(self.date_to)
        bottom.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(bottom)
        layout.addWidget(self.problem)
        if load_choices:
            self.reload_choices()
        else:
            self.tag_box.addItem("Any tag", None)
        self._applied = self.current_filter()

    # -- choices from the database ---------------------------------
    def reload_choices(self) -> None:
        """Refill the tag list (after an edit, an import, another file)."""
        current = self.tag_box.currentData()
        self.tag_box.blockSignals(True)
        self.tag_box.clear()
        self.tag_box.addItem("Any tag", None)
        for tag_id, name in models.Tag.select(models.Tag.id, models.Tag.name).order_by(peewee.fn.lower(models.Tag.name)).tuples():
            self.tag_box.addItem(name, tag_id)
        found = self.tag_box.findData(current)
        self.tag_box.setCurrentIndex(max(found, 0))
        self.tag_box.blockSignals(False)

    def _complete_claimants(self, text: str) -> None:
        text = text.strip()
        if not text:
            self._claimant_names.setStringList([])
            return
        prefix = peewee.fn.lower(peewee.fn.substr(models.Claimant.name, 1, len(text)))
        rows = (models.Claimant.select(models.Claimant.name)
                .where(prefix == text.lower())
                .order_by(peewee.fn.lower(models.Claimant.name))
                .limit(30).tuples())
        self._claimant_names.setStringList([name for (name,) in rows])

    # -- the filter ------------------------------------------------
    def current_filter(self) -> ClaimFilter:
        problems = []
        statuses = self.status_box.currentData()
        verdict = self.verdict_box.currentData()
        tag = self.tag_box.currentData()
        claimant_ids = frozenset()
        name = self.claimant_box.text().strip()
        if name:
            found = models.Claimant.get_or_none(peewee.fn.lower(models.Claimant.name) == name.lower())
            claimant_ids = frozenset({found.id}) if found else frozenset({-1})
        dates = []
        for box, what in ((self.date_from, "from"), (self.date_to, "to")):
            value = box.text().strip()
            if value and not _PARTIAL_DATE.match(value):
                problems.append(f"Claimed {what}: '{value}' is not a date like 2023, 2023-11 or 2023-11-05.")
                value = ""
            dates.append(value)
        self.problem.setText(" ".join(problems))
        self.problem.setVisible(bool(problems))
        return ClaimFilter(
            text=self._typed_text,
            statuses=frozenset({statuses}) if statuses else frozenset(),
            verdicts=frozenset({verdict}) if verdict is not None else frozenset(),
            tag_ids=frozenset({tag}) if tag is not None else frozenset(),
            claimant_ids=claimant_ids,
            date_from=dates[0],
            date_to=dates[1],
            no_sources=self.no_sources.isChecked(),
            trash=self.trash.isChecked(),
        )

    def search_terms(self) -> list[str]:
        return highlight_terms(self.search_box.text())

    def apply_now(self) -> None:
        """Apply everything now, a one-letter search included (Enter)."""
        self._debounce.stop()
        self._typed_text = self.search_box.text()
        self._emit()

    def _debounced(self) -> None:
        text = self.search_box.text()
        stripped = text.strip()
        last = stripped.split()[-1] if stripped else ""
        if last and len(last) < MIN_TYPED and last.isascii() and last.isalnum():
            return  # the word being typed is one letter: wait for more (or Enter)
        self._typed_text = text
        self._emit()

    def set_search(self, text: str) -> None:
        """Put ``text`` in the search box and apply it without waiting."""
        self.search_box.setText(text)
        self.apply_now()

    def clear(self) -> None:
        widgets = (self.search_box, self.status_box, self.verdict_box, self.tag_box, self.claimant_box,
                   self.date_from, self.date_to, self.no_sources, self.trash)
        for widget in widgets:
            widget.blockSignals(True)
        self.search_box.clear()
        for box in (self.status_box, self.verdict_box, self.tag_box):
            box.setCurrentIndex(0)
        for box in (self.claimant_box, self.date_from, self.date_to):
            box.clear()
        self.no_sources.setChecked(False)
        self.trash.setChecked(False)
        for widget in widgets:
            widget.blockSignals(False)
        self._typed_text = ""
        self.apply_now()

    def _emit(self) -> None:
        self._debounce.stop()
        flt = self.current_filter()
        if flt == self._applied:
            return
        self._applied = flt
        self.filter_changed.emit(flt)
