"""The one way the application opens a link in the system browser.

Every view that opens a URL calls ``open_url``. It lets through only what
``desktop.urls.openable_url`` accepts (a strict parse, ``http`` or ``https``,
a host) and refuses everything else (``file:``, ``javascript:``, ``data:``,
``smb:``, no scheme...) with a message, so a link stored in a source or a
claim can never run a program or open a local file. The URL is handed to Qt
in strict parsing mode; ``QUrl.fromUserInput`` (which guesses, and can turn
text into a local path) is never used.

Tests patch ``QMessageBox.warning`` (or ``refuse``) and
``QDesktopServices.openUrl``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from desktop.urls import openable_url, url_problem

TITLE = "Link not opened"


def refuse(parent, url: str, why: str) -> None:
    """Tell the person why a link was not opened.

    The address is user data: it is HTML-escaped inside an explicit rich-text
    paragraph, so any markup in it is shown as typed, never interpreted.
    """
    shown = url if len(url) <= 300 else url[:300] + "\u2026"
    text = (
        f"<p>This link was not opened: the address {html.escape(why)}.</p>"
        f"<p>{html.escape(shown) or '(empty)'}</p>"
        "<p>Only web addresses starting with http:// or https:// are opened.</p>"
    )
    QMessageBox.warning(parent, TITLE, text)


def open_url(url: str, parent=None) -> bool:
    """Open ``url`` in the browser if it is a plain web address; True if handed over."""
    url = url if isinstance(url, str) else ""
    allowed = openable_url(url)
    if allowed is None:
        refuse(parent, url, url_problem(url) or "is not a web address")
        return False
    qurl = QUrl(allowed, QUrl.ParsingMode.StrictMode)
    if not qurl.isValid() or qurl.scheme().lower() not in ("http", "https") or not qurl.host():
        refuse(parent, url, "cannot be read as a web address")
        return False
    return bool(QDesktopServices.openUrl(qurl))
