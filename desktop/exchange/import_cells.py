"""The per-cell checks of an import, one cell at a time.

Each takes a cell's text and returns the value Claimlog stores, or raises ValueError (or ValidationError)
whose message the reader reports against the row and column (``importer._check``). The usual clean value
takes a shortcut and comes out exactly as the ``services.common`` cleaner would leave it.
"""

from __future__ import annotations

import functools
import re
import uuid as uuid_module
from datetime import datetime

from desktop.exchange import claims_csv
from desktop.services.common import (
    LIMITS,
    clean_line,
    clean_partial_date,
    clean_text,
    clean_timestamp,
    clean_url,
)
from desktop.urls import normalize_url
from desktop.workflow import PRIORITIES


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_CANONICAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")
# What clean_line / clean_text refuse (plus surrounding spaces, which they strip).
_BAD_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _line(column: str, value: str, limit: int | None = None, required: bool = False) -> str:
    """``clean_line``, with a fast path for the usual clean value."""
    if not value and not required:
        return ""
    if value and len(value) <= (limit or LIMITS["line"]) and not _BAD_LINE.search(value) \
            and not value[0].isspace() and not value[-1].isspace():
        return value
    return clean_line(column, value, limit=limit, required=required)


def _long_text(column: str, value: str, limit: int | None = None) -> str:
    """``clean_text``, with a fast path for the usual clean value."""
    if not value:
        return ""
    if value and len(value) <= (limit or LIMITS["long"]) and not _BAD_TEXT.search(value) \
            and not value[0].isspace() and not value[-1].isspace():
        return value
    return clean_text(column, value, limit=limit)


def _uuid(value: str) -> str:
    if _CANONICAL_UUID.match(value):
        return value
    try:
        parsed = uuid_module.UUID(value.strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a UUID (like 123e4567-e89b-12d3-a456-426614174000).") from None
    return str(parsed)


def _timestamp(column: str, value: str) -> str | None:
    if _CANONICAL_TIME.match(value):  # as Claimlog writes them: only check the date is real
        try:
            datetime.fromisoformat(value[:-1])
            return value
        except ValueError:
            pass
    value = value.strip()
    return clean_timestamp(column, value) if value else None


def _priority(value: str) -> int:
    value = value.strip()
    if not value:
        return 0
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a number; use one of {sorted(PRIORITIES)}.") from None
    if n not in PRIORITIES:
        raise ValueError(f"{n} is not a priority; use one of {sorted(PRIORITIES)}.")
    return n


def _choice(value: str, choices, what: str, default=None):
    value = value.strip()
    if not value:
        return default
    if value not in choices:
        raise ValueError(f"'{value}' is not a {what}; use one of: {', '.join(choices)}.")
    return value


def _tags(value: str) -> list[str]:
    """As ``services.claims.clean_tags``: split on ";", trimmed, de-duplicated ignoring case, sorted."""
    names: dict[str, str] = {}
    for raw in value.split(";"):
        name = _line("tags", raw.strip(), limit=LIMITS["tag"])
        if name:
            names.setdefault(name.casefold(), name)
    if len(names) > LIMITS["tags"]:
        raise ValueError(f"has {len(names)} tags; the limit is {LIMITS['tags']}.")
    return sorted(names.values(), key=str.casefold)


def _other_appearances(value: str) -> str:
    urls = []
    for n, line in enumerate(value.splitlines(), start=1):
        if line.strip():
            urls.append(_url(f"line {n}", line.strip()))
    return "\n".join(urls)


# An address that url_problem() certainly accepts: http(s), a plain lower-case host, printable ASCII after it.
_PLAIN_URL = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?:/[!-~]*)?\Z")


@functools.lru_cache(maxsize=65536)
def _url(column: str, value: str) -> str:
    if len(value) <= 4096 and _PLAIN_URL.match(value):
        return value
    return clean_url(column, value)


@functools.lru_cache(maxsize=65536)
def _partial_date(column: str, value: str) -> str:
    return clean_partial_date(column, value)


_CLAIM_TEXT = {
    # column -> cleaner(column, value)
    "short_text": lambda c, v: _line(c, v, limit=LIMITS["short_text"]),
    "claimant": _line,
    "claimed_on": _partial_date,
    "appearance_url": _url,
    "published_url": _url,
    "location": _line,
    "language": lambda c, v: _line(c, v, limit=35),
    "context": _long_text,
    "verdict_explanation": _long_text,
}
_EMPTY_DEFAULTS = {name: "" for name in _CLAIM_TEXT}


@functools.lru_cache(maxsize=65536)
def _normal_url(url: str) -> str:
    if url.lower().startswith(claims_csv.URN_PREFIX):
        return claims_csv.URN_PREFIX + _uuid(url[len(claims_csv.URN_PREFIX):])
    try:
        return normalize_url(url)
    except ValueError as exc:
        raise ValueError(f"'{url}': {exc}") from None


@functools.lru_cache(maxsize=65536)
def _source_url(url: str) -> str | None:
    """A source's address as ``validate_source`` stores it (normalised), or None."""
    cleaned = clean_url("url", url)
    return normalize_url(cleaned) if cleaned else None


def _archives(value: str) -> list[tuple[str, str, str]]:
    from desktop.services.sources import ARCHIVE_SERVICES

    out = []
    for entry in value.split("; "):
        parts = entry.split()
        if not parts:
            continue
        if len(parts) not in (2, 3) or parts[0] not in ARCHIVE_SERVICES:
            raise ValueError(f"'{entry}' is not 'service url [captured_at]' with a service among "
                             f"{', '.join(ARCHIVE_SERVICES)}.")
        url = clean_url("archive url", parts[1], required=True)
        captured = clean_timestamp("captured_at", parts[2]) if len(parts) == 3 else ""
        out.append((url, parts[0], captured))
    return out
