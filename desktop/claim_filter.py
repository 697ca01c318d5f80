"""What a person asks the claims table for, and the rules for the text they type.

Nothing here touches the database or imports Peewee: the window shows its
first page of claims before the data layer is loaded (see
``desktop.opening``), and its table, filter bar and highlighting need these
from the start. ``desktop.search`` turns a ``ClaimFilter`` into SQL and
re-exports everything here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

# Unbroken scripts. Myanmar gets syllables, the rest single characters.
_MYANMAR = "\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff"
_CHARWISE = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
)


@functools.cache
def unbroken_run() -> re.Pattern:
    """A run of unbroken-script characters (compiled when first needed: 3 ms of start-up otherwise)."""
    return re.compile(f"[{_MYANMAR}{_CHARWISE}]+")


@functools.cache
def _piece_starts() -> tuple[re.Pattern, re.Pattern]:
    # A Myanmar syllable starts at a consonant, independent vowel, digit or sign,
    # unless it is stacked under the previous one (U+1039) or killed by asat (U+103A).
    return (re.compile(r"(?<!\u1039)([\u1000-\u102a\u103f\u1040-\u104f])(?![\u103a\u1039])"),
            re.compile(f"([{_CHARWISE}])"))


def _split_run(run: str) -> str:
    myanmar_break, charwise_char = _piece_starts()
    run = myanmar_break.sub(r" \1", run)
    run = charwise_char.sub(r" \1 ", run)
    return " ".join(run.split())


def index_text(text: str | None) -> str:
    """Text as stored in the index: unbroken scripts split into searchable pieces."""
    if not text:
        return ""
    if not unbroken_run().search(text):
        return text
    return unbroken_run().sub(lambda m: " " + _split_run(m.group()) + " ", text)


def written_unspaced(text: str) -> bool:
    """Whether ``text`` starts in a script written without spaces (Burmese, Thai, Chinese...), where a
    search finds pieces inside words; elsewhere a search term (or its prefix) starts a word."""
    return bool(text) and unbroken_run().match(text) is not None


def highlight_terms(user_text: str) -> list[str]:
    """The words and phrases of a search, for views to highlight (longest first)."""
    terms = re.findall(r'"([^"]+)"|(\S+)', user_text or "")
    words = []
    for phrase, word in terms:
        piece = (phrase or word).strip("*-()")
        if piece and piece.upper() not in ("AND", "OR", "NOT"):
            words.append(piece)
    return sorted(set(words), key=len, reverse=True)


@dataclass(frozen=True)
class ClaimFilter:
    text: str = ""
    statuses: frozenset[str] = frozenset()
    verdicts: frozenset[str] = frozenset()  # "" stands for "no verdict yet"
    tag_ids: frozenset[int] = frozenset()
    claimant_ids: frozenset[int] = frozenset()
    date_from: str = ""  # partial ISO dates, inclusive
    date_to: str = ""
    no_sources: bool = False
    trash: bool = False  # False: live claims only; True: the trash only
    ids: frozenset[int] | None = None  # an explicit selection
    sort: str = "updated_at"
    descending: bool = True
    extra: tuple = field(default=(), compare=False)  # further peewee expressions

    def with_(self, **changes) -> "ClaimFilter":
        return replace(self, **changes)

    @property
    def is_default(self) -> bool:
        return self == ClaimFilter(sort=self.sort, descending=self.descending)

    @property
    def is_search_alone(self) -> bool:
        """A full-text search over the live claims and nothing else (what typing in the search box asks)."""
        from desktop.search import fts_query  # the data layer: not needed to show the first page

        return self.with_(text="").is_default and fts_query(self.text) is not None
