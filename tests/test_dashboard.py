"""Dashboard numbers against direct SQL, the filter followed, and the PNG export."""

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from desktop import dashboard_data, search, services
from desktop.models import database as proxy
from desktop.views import dashboard, worker
from desktop.views.signals import DataSignals


@pytest.fixture
def seeded(make_claim, make_source):
    """A small desk: claims in several statuses, verdicts and claimants, with evidence."""
    sources = [make_source(title=f"Report {n}") for n in range(3)]
    ids = []
    for n in range(12):
        claim = make_claim(f"Claim number {n} about fuel prices" if n % 2 else f"Claim {n} about schools",
                           claimant=["Ministry", "Border Watch", "Radio Hill"][n % 3])
        ids.append(claim.id)
        if n % 4 == 0:
            continue  # stays unstarted, no verdict
        services.set_status(claim.id, "in_progress")
        services.link_evidence(claim.id, sources[n % 3].id, "refutes" if n % 2 else "supports")
        if n > 2:
            services.link_evidence(claim.id, sources[0].id, "context", locator=f"p. {n}")
        services.set_verdict(claim.id, ["false", "misleading", "true"][n % 3])
        if n % 3 == 0:
            services.set_status(claim.id, "needs_review")
            services.set_status(claim.id, "final")
    services.trash_claims([ids[5]])
    return ids


def sql(query, *params):
    return proxy.execute_sql(query, params).fetchall()


def test_counts_match_direct_sql(seeded):
    data = dashboard_data.compute(search.ClaimFilter())
    by_status = dict(sql("SELECT status, COUNT(*) FROM claim WHERE deleted_at IS NULL GROUP BY status"))
    assert {s: n for s, n in data.by_status if n} == by_status
    by_verdict = dict(sql("SELECT verdict, COUNT(*) FROM claim WHERE deleted_at IS NULL GROUP BY verdict"))
    assert {v: n for v, n in data.by_verdict if n} == by_verdict
    assert data.total == sql("SELECT COUNT(*) FROM claim WHERE deleted_at IS NULL")[0][0] == 11
    assert sum(w[1] for w in data.weeks) == 11  # all logged this week, in the last column
    finalised = sql("SELECT COUNT(*) FROM claim WHERE deleted_at IS NULL AND finalised_at IS NOT NULL")[0][0]
    assert sum(w[2] for w in data.weeks) == finalised > 0
    flagged = sql(
        "SELECT claimant_name, SUM(verdict = 'false'), SUM(verdict = 'misleading') FROM claim "
        "WHERE deleted_at IS NULL AND verdict IN ('false', 'misleading') GROUP BY claimant_id"
    )
    assert sorted(data.top_claimants) == sorted(flagged)
    cited = dict(sql("SELECT title, n_claims FROM source WHERE n_claims > 0"))
    assert dict(data.top_sources) == cited


def test_filter_is_followed(seeded):
    flt = search.ClaimFilter(text="fuel", statuses=frozenset({"in_progress", "final"}))
    data = dashboard_data.compute(flt)
    ids = [r[0] for r in search.claim_ids(flt).tuples()]
    assert data.total == len(ids) > 0
    assert {s for s, n in data.by_status if n} <= {"in_progress", "final"}
    marks = ",".join("?" * len(ids))
    cited = sql(f"SELECT s.title, COUNT(DISTINCT e.claim_id) FROM evidence e JOIN source s ON s.id = e.source_id "
                f"WHERE e.claim_id IN ({marks}) GROUP BY s.id", *ids)
    assert sorted(data.top_sources) == sorted(cited)


def test_trash_filter(seeded):
    data = dashboard_data.compute(search.ClaimFilter(trash=True))
    assert data.total == 1


def test_empty_database(database):
    data = dashboard_data.compute()
    assert data.total == 0 and data.weeks == [] and data.top_claimants == [] and data.top_sources == []


class FakeWindow:
    def __init__(self, flt):
        self.signals = DataSignals()
        self.flt = flt

    def current_filter(self):
        return self.flt


def test_page_shows_numbers_and_exports_png(seeded, qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    win = FakeWindow(search.ClaimFilter(verdicts=frozenset({"false"})))
    page = dashboard.DashboardPage(win)
    qtbot.addWidget(page)
    page.resize(1000, 800)
    page.show()
    qtbot.waitUntil(lambda: page.data is not None)
    expected = sql("SELECT COUNT(*) FROM claim WHERE deleted_at IS NULL AND verdict = 'false'")[0][0]
    assert page.data.total == expected
    assert page.summary.text().startswith(f"{expected:,} claims matching the current filter")
    assert [label for label, _ in page.verdict_chart.rows][:1] == ["True"]
    # The filter changes and the data changes: the page follows.
    win.flt = search.ClaimFilter()
    win.signals.claims_changed.emit([])
    qtbot.waitUntil(lambda: page.data.total == 11, timeout=3000)
    target = tmp_path / "dash"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    saved = page.export_png()
    assert saved == str(target) + ".png"
    image = QImage(saved)
    assert not image.isNull() and image.width() > 500
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    assert page.export_png() is None


def test_monday():
    from datetime import date
    assert dashboard_data.monday(date(2026, 11, 29)) == date(2026, 11, 23)
    assert dashboard_data.monday(date(2026, 11, 23)) == date(2026, 11, 23)
