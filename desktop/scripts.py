"""Facts about scripts that the views and the importer warn about (no Qt).

Zawgyi. Much Burmese text in the wild is typed in the legacy Zawgyi
encoding: a font hack that reuses the Myanmar block of Unicode with other
meanings and in *visual* order. On a Zawgyi-font screen it looks like Burmese;
in the database it is different code points, so a search typed in Unicode
Burmese never finds it. Claimlog does not convert it (a correct converter is a
large rule set); ``looks_like_zawgyi`` only detects it so a view can tell the
person.

How the two encodings differ, as far as the detector relies on it:

- Unicode stores a syllable in *logical* order: consonant, then medials
  (U+103B YA, U+103C RA, U+103D WA, U+103E HA), then vowel signs (U+1031 E
  first), then tone marks and the asat killer U+103A. Zawgyi stores in the
  order the glyphs are drawn: the vowel sign E (U+1031) and the medial RA
  glyph come *before* the consonant they belong to, and Zawgyi put that RA
  glyph on U+103B (Unicode's medial YA), with variants in U+107E..U+1084.
- Zawgyi's visible killer (asat) is U+1039, which in Unicode is the invisible
  stacker that must be followed by the consonant it stacks; Zawgyi's medial
  YA is U+103A, which in Unicode is the asat.
- Zawgyi draws stacked consonants and glyph variants with code points in
  U+1060..U+1097, a range Unicode gives to Shan, Mon, Karen and other
  languages, so those alone prove nothing.

The detector is deliberately conservative: a warning on correct Unicode
Burmese is worse than a miss (the person would be told to "fix" good text).
It only reports sequences that Unicode's storage rules make impossible (a
Unicode font shows them broken, with dotted circles, so nobody leaves them
in text written in Unicode), and not the half-typed states that a Unicode
keyboard passes through for a moment (a stacker typed just before the
consonant it stacks).
"""

from __future__ import annotations

import re

# Any Myanmar-block character: the cheap test run before anything else.
MYANMAR = re.compile("[\u1000-\u109f]")

# Characters a Unicode vowel sign or medial may legitimately follow: consonants and independent
# vowels (U+1000..U+102A), great SA, digits (people type digit zero for WA), the letters other
# languages add (Pali, Mon, Shan, Karen..., Extended-A/B), the dotted circle used to show a sign
# on its own, the medials (U+103B..U+103E, Mon and Shan medials), and the joiners and variation
# selectors that may sit between a consonant and its signs.
_LETTERS = (
    "\u1000-\u102a\u103f\u1040-\u1049\u104e\u1050-\u1055\u105a-\u105d\u1061\u1065\u1066"
    "\u106e-\u1070\u1075-\u1081\u108e\u1090-\u1099\uaa60-\uaa7f\ua9e0-\ua9ff\u25cc"
)
_BASES = _LETTERS + "\u103b-\u103e\u105e-\u1060\u1082\u200c\u200d\ufe00-\ufe0f"
_CONSONANT = "\u1000-\u1021"

_STRONG = {
    # 1. Vowel sign E (U+1031) that does not follow a consonant (it starts the text, or follows a
    #    space, punctuation, an asat, another vowel sign...) but comes right before a consonant or
    #    a Zawgyi medial-RA glyph: Zawgyi stores E before the consonant, as it is drawn; Unicode
    #    always after it. ("ေက" at the start of a word.)
    "vowel E before its consonant": re.compile(
        f"(?<![{_BASES}])\u1031(?=[{_CONSONANT}\u103b\u107e-\u1084])"),
    # 2. U+103B that does not follow a consonant but comes right before one: Zawgyi's medial RA
    #    glyph, drawn (and stored) in front of its consonant. In Unicode U+103B is medial YA and
    #    always follows its consonant. ("ျမ" at the start of a word.)
    "medial RA before its consonant": re.compile(f"(?<![{_BASES}])\u103b(?=[{_CONSONANT}])"),
    # 3. U+1039 followed by something that is not a letter (a space, punctuation, a vowel sign, a
    #    tone mark): Zawgyi's visible killer. Unicode's U+1039 only stacks the consonant that
    #    follows it. The end of the text is not counted here (see _TYPING): a Unicode keyboard
    #    leaves a stacker there for a moment before the consonant is typed.
    "U+1039 used as a killer": re.compile(f"\u1039(?=[^{_LETTERS}\u200c\u200d])"),
    # 4. U+103A directly before the vowel signs AA, tall AA, I, II or AI: Zawgyi's medial YA
    #    followed by its vowel ("မ်ား"). In Unicode U+103A is the asat, which comes after the
    #    vowels of its syllable. (Asat before vowel sign U is left out: Unicode spells
    #    "ကျွန်ုပ်" that way.)
    "U+103A before a vowel sign": re.compile("\u103a(?=[\u102b-\u102e\u1032])"),
}
# Weaker: a stacker ending the text, which a Unicode keyboard also produces while typing a
# stacked consonant. Counted only together with _ZAWGYI_RANGE.
_TYPING = re.compile("\u1039$")
# Supporting only, never alone: Zawgyi's stacked-consonant and glyph-variant code points next to
# ordinary Burmese consonants. Shan, Mon and Karen text in Unicode uses these code points too.
_ZAWGYI_RANGE = re.compile("[\u1060-\u1097]")
_BURMESE_CONSONANT = re.compile(f"[{_CONSONANT}]")


def has_myanmar(text: str | None) -> bool:
    """True when ``text`` holds a Myanmar-block character; free for ASCII (``isascii`` is O(1))."""
    return bool(text) and not text.isascii() and MYANMAR.search(text) is not None


def zawgyi_signals(text: str | None) -> list[str]:
    """The names of the Zawgyi signals found in ``text`` (empty: nothing suspicious)."""
    if not has_myanmar(text):
        return []
    found = [name for name, pattern in _STRONG.items() if pattern.search(text)]
    if (not found and _TYPING.search(text) and _ZAWGYI_RANGE.search(text)
            and _BURMESE_CONSONANT.search(text)):
        found.append("U+1039 ending the text, with Zawgyi glyph variants")
    return found


def looks_like_zawgyi(text: str | None) -> bool:
    """True when ``text`` is very probably Burmese typed in the Zawgyi encoding, not Unicode.

    Threshold: one strong signal. Each is a sequence that Unicode's storage rules forbid and
    that a Unicode font draws visibly broken, so it does not survive in text written and read
    in Unicode, while an ordinary Zawgyi sentence has several of them (most words start with
    E or medial RA, or end with U+1039, or use U+103A as medial YA). Requiring two would miss
    single Zawgyi words such as a name or a tag. The Zawgyi-only glyph range is supporting
    evidence only: it turns a stacker at the very end of the text into a signal, never more.
    """
    return bool(zawgyi_signals(text))
