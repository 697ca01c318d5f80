"""What every service shares: the transaction wrapper, the actor, input cleaning."""

from __future__ import annotations

import functools
import re
import sqlite3
from datetime import date, datetime, timedelta

from peewee import PeeweeException

from desktop.db import storage_error
from desktop.errors import ClaimlogError, NotFoundError, ValidationError
from desktop.models import database, utcnow
from desktop.urls import url_problem

# Limits a person can be told about (and a test can reach).
LIMITS = {
    "line": 500,  # single-line fields: claimant, location, language, locator...
    "short_text": 200,  # publishing form; about 75 is the target
    "text": 10_000,  # a claim is a statement, not an article
    "long": 200_000,  # context, notes, quotes, explanations
    "tag": 60,
    "tags": 50,
}
SHORT_TEXT_TARGET = 75

_actor = ""


def set_actor(name: str) -> None:
    """The checker's name recorded in History when a call gives none."""
    global _actor
    _actor = (name or "").strip()


def current_actor(who: str | None = None) -> str:
    return _actor if who is None else who


def write(func):
    """Run a service in one transaction; translate SQLite failures for a person.

    Transactions begin IMMEDIATE (see db.connect). Any exception rolls the
    whole call back; SQLite errors (disk full, I/O, busy...) become a
    ``StorageError`` whose message says the change was not saved.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        failure = []
        try:
            with database.atomic():
                try:
                    return func(*args, **kwargs)
                except BaseException as exc:
                    failure.append(exc)
                    raise
        except ClaimlogError:
            raise
        except (PeeweeException, OSError, sqlite3.Error) as exc:  # raw sqlite3 errors too
            # After SQLITE_FULL, IOERR... SQLite has already rolled back, so
            # the ROLLBACK peewee then sends fails too ("no transaction is
            # active"): translate the error that started it, not that one.
            first = failure[0] if failure else exc
            translated = storage_error(first) or _translate_chain(exc)
            if translated is not None:
                raise translated from first
            if first is not exc:
                raise first from None
            raise

    return wrapper


def _translate_chain(exc: BaseException):
    """storage_error of ``exc`` or of an error it was raised while handling.

    A COMMIT that fails with SQLITE_FULL is followed by a ROLLBACK that fails
    too; the second error carries the first as its ``__context__``.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        translated = storage_error(exc)
        if translated is not None:
            return translated
        exc = exc.__context__
    return None


_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _check_chars(field: str, value: str, multiline: bool) -> None:
    if _SURROGATE.search(value):
        raise ValidationError(field, "contains an invalid character (a lone UTF-16 surrogate).")
    pattern = _CONTROL_TEXT if multiline else _CONTROL_LINE
    found = pattern.search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        where = "" if multiline else " or a line break"
        raise ValidationError(field, f"contains a control character{where} ({code}) at position {found.start() + 1}.")


def clean_line(field: str, value, *, required: bool = False, limit: int | None = None) -> str:
    value = "" if value is None else str(value)
    value = value.strip()
    if required and not value:
        raise ValidationError(field, "is required.")
    limit = limit or LIMITS["line"]
    if len(value) > limit:
        raise ValidationError(field, f"is {len(value):,} characters long; the limit is {limit:,}.")
    _check_chars(field, value, multiline=False)
    return value


def clean_text(field: str, value, *, required: bool = False, limit: int | None = None) -> str:
    value = "" if value is None else str(value)
    value = value.strip()
    if required and not value:
        raise ValidationError(field, "is required and cannot be only spaces.")
    limit = limit or LIMITS["long"]
    if len(value) > limit:
        raise ValidationError(field, f"is {len(value):,} characters long; the limit is {limit:,}.")
    _check_chars(field, value, multiline=True)
    return value


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def clean_partial_date(field: str, value, *, allow_future: bool = False) -> str:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a real date, not in the future."""
    value = clean_line(field, value)
    if not value:
        return ""
    match = _PARTIAL_DATE.match(value)
    if not match:
        raise ValidationError(field, f"'{value}' is not a date; use YYYY-MM-DD, YYYY-MM or YYYY.")
    year, month, day = match.groups()
    try:
        first = date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValidationError(field, f"'{value}' is not a real date.") from None
    if first.year < 1800:
        raise ValidationError(field, f"'{value}' is before 1800; check the year.")
    if not allow_future and first > date.today() + timedelta(days=1):
        raise ValidationError(field, f"'{value}' is in the future.")
    return value


def clean_timestamp(field: str, value) -> str:
    """An ISO 8601 timestamp, stored as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    value = clean_line(field, value)
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(field, f"'{value}' is not an ISO 8601 date and time.") from None
    if parsed.tzinfo is not None:
        from datetime import timezone

        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clean_url(field: str, value, *, required: bool = False) -> str:
    value = clean_line(field, value, required=required, limit=4096)
    if not value:
        return ""
    problem = url_problem(value)
    if problem:
        raise ValidationError(field, f"the address {problem}.")
    return value


def clean_choice(field: str, value, choices, *, allow_empty: bool = False) -> str | None:
    value = (value or "").strip()
    if not value and allow_empty:
        return None
    if value not in choices:
        listed = ", ".join(choices)
        raise ValidationError(field, f"'{value}' is not one of: {listed}.")
    return value


def get_or_404(model, pk):
    obj = model.get_or_none(model.id == pk)
    if obj is None:
        raise NotFoundError(f"No {model.__name__.lower()} with id {pk}.")
    return obj


__all__ = [
    "LIMITS", "SHORT_TEXT_TARGET", "set_actor", "current_actor", "write", "clean_line", "clean_text",
    "clean_partial_date", "clean_timestamp", "clean_url", "clean_choice", "get_or_404", "utcnow",
]
