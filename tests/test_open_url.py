"""open_url: the only way a link is opened; anything but http(s) with a host is refused."""

import pytest
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from desktop.views import open_url as open_url_module
from desktop.views.open_url import open_url


@pytest.fixture
def calls(monkeypatch, qapp):
    record = {"opened": [], "warnings": []}

    def fake_open(qurl):
        record["opened"].append(qurl.toString())
        return True

    def fake_warning(parent, title, text, *args, **kwargs):
        record["warnings"].append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(fake_warning))
    return record


REFUSED = [
    "file:///etc/passwd",
    "FILE:///C:/Windows/system32/calc.exe",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "example.org/page",
    "www.example.org",
    "/home/someone/notes.txt",
    "C:\\Users\\someone\\file.txt",
    "smb://fileserver/share/doc",
    "ftp://example.org/file",
    "mailto:someone@example.org",
    "vbscript:msgbox(1)",
    "claimlog-custom:open",
    "http://",
    "https:///no-host",
    " https://example.org/leading-space",
    "https://exa mple.org/",
    "",
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_urls_never_reach_the_browser(calls, url):
    assert open_url(url) is False
    assert calls["opened"] == []
    assert len(calls["warnings"]) == 1
    assert "not opened" in calls["warnings"][0]


@pytest.mark.parametrize("url", [
    "https://example.org/report?id=7#part-2",
    "http://news.example.com/2023/11/story",
    "HTTPS://Example.ORG:8443/a%20b",
])
def test_web_addresses_are_opened(calls, url):
    assert open_url(url) is True
    assert len(calls["opened"]) == 1
    assert calls["opened"][0].lower().startswith(("http://", "https://"))
    assert calls["warnings"] == []


def test_markup_in_a_refused_address_is_escaped(calls):
    open_url("javascript:<b>bold</b>")
    assert "<b>bold</b>" not in calls["warnings"][0]
    assert "&lt;b&gt;" in calls["warnings"][0]


def test_non_string_is_refused(calls):
    assert open_url(None) is False
    assert calls["opened"] == []


def test_refuse_is_the_patchable_message(monkeypatch, calls):
    seen = []
    monkeypatch.setattr(open_url_module, "refuse", lambda parent, url, why: seen.append((url, why)))
    assert open_url("file:///tmp/x") is False
    assert seen and "file" in seen[0][1]
    assert calls["opened"] == []
