"""Zawgyi detection (desktop.scripts): Zawgyi Burmese is flagged, Unicode Burmese and other scripts never.

The Zawgyi samples are written here code point by code point from the encoding's rules (visual
order: vowel E and the medial RA glyph before the consonant; U+1039 as the visible killer; U+103A
as medial YA; U+1060..U+1097 for glyph variants), each beside its Unicode spelling.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop import demo, demo_text
from desktop.scripts import has_myanmar, looks_like_zawgyi, zawgyi_signals


def cps(*points: int) -> str:
    return "".join(map(chr, points))


# (English, Zawgyi, Unicode, the one signal the Zawgyi form is caught by or None for several)
WORDS = [
    # Myanmar: Unicode မြန်မာ; Zawgyi puts the RA glyph (on U+103B) first and kills with U+1039.
    ("Myanmar", cps(0x103B, 0x1019, 0x1014, 0x1039, 0x1019, 0x102C),
     cps(0x1019, 0x103C, 0x1014, 0x103A, 0x1019, 0x102C), "medial RA before its consonant"),
    # region: Unicode ဒေသ; Zawgyi stores E before DA.
    ("region", cps(0x1031, 0x1012, 0x101E), cps(0x1012, 0x1031, 0x101E), "vowel E before its consonant"),
    # I (a man speaking): Unicode ကျွန်တော်; Zawgyi short YA U+107D, WA on U+103C, and E stored after
    # the killer U+1039 of the syllable before it (caught twice: E after no consonant, U+1039 before E).
    ("I", cps(0x1000, 0x107D, 0x103C, 0x1014, 0x1039, 0x1031, 0x1010, 0x102C, 0x1039),
     cps(0x1000, 0x103B, 0x103D, 0x1014, 0x103A, 0x1010, 0x1031, 0x102C, 0x103A), None),
    # news: Unicode သတင်း; Zawgyi kills NGA with U+1039 before the visarga.
    ("news", cps(0x101E, 0x1010, 0x1004, 0x1039, 0x1038), cps(0x101E, 0x1010, 0x1004, 0x103A, 0x1038),
     "U+1039 used as a killer"),
    # soldiers: Unicode စစ်သားများ; Zawgyi medial YA is U+103A, then AA.
    ("soldiers", cps(0x1005, 0x1005, 0x1039, 0x101E, 0x102C, 0x1038, 0x1019, 0x103A, 0x102C, 0x1038),
     cps(0x1005, 0x1005, 0x103A, 0x101E, 0x102C, 0x1038, 0x1019, 0x103B, 0x102C, 0x1038),
     "U+103A before a vowel sign"),
    # township: Unicode မြို့နယ်; Zawgyi narrow RA variant U+107F, long U U+1033, dot below
    # variant U+1095, and U+1039 ending the word.
    ("township", cps(0x107F, 0x1019, 0x102D, 0x1033, 0x1095, 0x1014, 0x101A, 0x1039),
     cps(0x1019, 0x103C, 0x102D, 0x102F, 0x1037, 0x1014, 0x101A, 0x103A),
     "U+1039 ending the text, with Zawgyi glyph variants"),
    # look: Unicode ကြည့်; Zawgyi wide RA variant U+107E before KA, U+1039 ending it.
    ("look", cps(0x107E, 0x1000, 0x100A, 0x1037, 0x1039), cps(0x1000, 0x103C, 0x100A, 0x1037, 0x103A),
     "U+1039 ending the text, with Zawgyi glyph variants"),
    # school: Unicode ကျောင်း; Zawgyi E first, YA as U+103A, killer U+1039.
    ("school", cps(0x1031, 0x1000, 0x103A, 0x102C, 0x1004, 0x1039, 0x1038),
     cps(0x1000, 0x103B, 0x1031, 0x102C, 0x1004, 0x103A, 0x1038), None),
    # say: Unicode ပြော; Zawgyi E, then the RA glyph, then PA.
    ("say", cps(0x1031, 0x103B, 0x1015, 0x102C), cps(0x1015, 0x103C, 0x1031, 0x102C), None),
    # Myanmar (the country): Unicode မြန်မာနိုင်ငံ; Zawgyi NA without tail is U+108F.
    ("Myanmar country",
     cps(0x103B, 0x1019, 0x1014, 0x1039, 0x1019, 0x102C, 0x108F, 0x102D, 0x102F, 0x1004, 0x1039, 0x1004, 0x1036),
     cps(0x1019, 0x103C, 0x1014, 0x103A, 0x1019, 0x102C, 0x1014, 0x102D, 0x102F, 0x1004, 0x103A, 0x1004, 0x1036),
     None),
]

# A sentence, "I go to school.": Unicode ကျွန်တော် ကျောင်းသွားသည်။
I_GO_TO_SCHOOL_ZAWGYI = (
    cps(0x1000, 0x107D, 0x103C, 0x1014, 0x1039, 0x1031, 0x1010, 0x102C, 0x1039) + " "
    + cps(0x1031, 0x1000, 0x103A, 0x102C, 0x1004, 0x1039, 0x1038)
    + cps(0x101E, 0x103C, 0x102C, 0x1038, 0x101E, 0x100A, 0x1039, 0x104B)
)
I_GO_TO_SCHOOL_UNICODE = (
    cps(0x1000, 0x103B, 0x103D, 0x1014, 0x103A, 0x1010, 0x1031, 0x102C, 0x103A) + " "
    + cps(0x1000, 0x103B, 0x1031, 0x102C, 0x1004, 0x103A, 0x1038)
    + cps(0x101E, 0x103D, 0x102C, 0x1038, 0x101E, 0x100A, 0x103A, 0x104B)
)


@pytest.mark.parametrize("english, zawgyi, unicode, signal", WORDS, ids=[w[0] for w in WORDS])
def test_zawgyi_words_are_flagged_and_their_unicode_spelling_is_not(english, zawgyi, unicode, signal):
    assert looks_like_zawgyi(zawgyi), english
    assert not looks_like_zawgyi(unicode), english
    if signal is not None:  # each signal has a word that only it catches
        assert zawgyi_signals(zawgyi) == [signal]


@pytest.mark.parametrize("surround", ["{}", "{} ", " {}.", "Claim: \u201c{}\u201d (2024)", "{}\n\n{}"])
def test_zawgyi_inside_other_text(surround):
    assert looks_like_zawgyi(surround.format(I_GO_TO_SCHOOL_ZAWGYI, I_GO_TO_SCHOOL_ZAWGYI))
    assert not looks_like_zawgyi(surround.format(I_GO_TO_SCHOOL_UNICODE, I_GO_TO_SCHOOL_UNICODE))
    for _, zawgyi, unicode, _ in WORDS:
        assert looks_like_zawgyi(surround.format(zawgyi, unicode))  # one Zawgyi word in Unicode text
        assert not looks_like_zawgyi(surround.format(unicode, unicode))


UNICODE_TRICKY = {
    "stacked consonant (Buddha)": cps(0x1017, 0x102F, 0x1012, 0x1039, 0x1013),
    "kinzi (ship)": cps(0x101E, 0x1004, 0x103A, 0x1039, 0x1018, 0x1031, 0x102C),
    "asat before vowel U (I, formal)": cps(0x1000, 0x103B, 0x103D, 0x1014, 0x103A, 0x102F, 0x1015, 0x103A),
    "great SA (problem)": cps(0x1015, 0x103C, 0x103F, 0x1014, 0x102C),
    "the symbol aforementioned": cps(0x104E, 0x1004, 0x103A, 0x1038),
    "digit zero typed for WA": cps(0x1040, 0x1031, 0x1012, 0x1014, 0x102C),
    "signs shown on dotted circles": "\u25cc\u1031 and \u25cc\u103b, a stack: \u25cc\u1039\u25cc",
    "a lone vowel sign E in a lesson": "\u1031 + \u1000 = \u1000\u1031",
    "words split by zero-width spaces": cps(0x1019, 0x103C, 0x1014, 0x103A, 0x200B, 0x1000, 0x103B, 0x1031, 0x102C),
    # a Unicode keyboard typing a stacked consonant leaves U+1039 at the end for a moment
    "half-typed stack": cps(0x1017, 0x102F, 0x1012, 0x1039),
    # Shan in Unicode ("Shan script"): Shan letters and tone marks from U+1060..U+1097 among
    # ordinary consonants
    "Shan": cps(0x101C, 0x102D, 0x1075, 0x103A, 0x1088, 0x1010, 0x1086, 0x1038),
    "Shan letters only": cps(0x1075, 0x1076, 0x1077, 0x1078, 0x1079, 0x107A, 0x107B, 0x107C, 0x107D, 0x107E),
}


@pytest.mark.parametrize("text", UNICODE_TRICKY.values(), ids=UNICODE_TRICKY.keys())
def test_unusual_but_valid_unicode_is_not_flagged(text):
    assert not looks_like_zawgyi(text)


def _demo_burmese() -> list[str]:
    """Every Burmese string literal of the demo (desktop/demo.py and its word pools, demo_text.py), and the
    templates filled with every place."""
    found = []
    for module in (demo, demo_text):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        found += [node.value for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and has_myanmar(node.value)]
    values = {"n": "\u1041\u1042", "n2": "\u1045", "pct": "\u1043\u1040", "d": demo.MY_MONTHS[1] + "\u101c"}
    for (place, _, _), (template, _) in itertools.product(demo.MY_PLACES, demo.MY_TEMPLATES):
        found.append(template.format(p=place, **values))
    for place, title in itertools.product(demo.MY_PLACES, demo.MY_SOURCE_TITLES):
        found.append(title.format(p=place[0]))
    return found


def test_every_burmese_string_of_the_demo_is_unicode():
    texts = _demo_burmese()
    assert len(texts) > 80
    assert [t for t in texts if looks_like_zawgyi(t)] == []


@pytest.mark.parametrize("text", [
    "", "   ", "A claim in English: 3 soldiers, 40% of rice.", "Caf\u00e9 cr\u00e8me \u00e0 Montr\u00e9al",
    "\u0e01\u0e32\u0e23\u0e15\u0e23\u0e27\u0e08\u0e2a\u0e2d\u0e1a\u0e02\u0e49\u0e2d\u0e40\u0e17\u0e47\u0e08\u0e08\u0e23\u0e34\u0e07",
    "\u0627\u0644\u062a\u062d\u0642\u0642 \u0645\u0646 \u0627\u0644\u0623\u062e\u0628\u0627\u0631",
    "\u6838\u67e5\u4e8b\u5b9e", "\U0001f4f0\u2705\U0001f1f2\U0001f1f2", "\u1780\u17b6\u179a", None,
])
def test_other_scripts_are_not_flagged(text):
    assert not looks_like_zawgyi(text)
    assert zawgyi_signals(text) == []


# Well-formed Unicode Burmese syllables, in Unicode storage order.
CONSONANTS = [chr(c) for c in range(0x1000, 0x1022)]
FINALS = [chr(c) for c in (0x1000, 0x1004, 0x1005, 0x100A, 0x1010, 0x1014, 0x1015, 0x1019)]
MEDIALS = st.sampled_from(["", "\u103b", "\u103c"]).flatmap(
    lambda first: st.tuples(st.just(first), st.sampled_from(["", "\u103d"]), st.sampled_from(["", "\u103e"]))
).map("".join)


@st.composite
def syllable(draw) -> str:
    head = draw(st.sampled_from(CONSONANTS))
    if draw(st.booleans()) and draw(st.booleans()):  # kinzi or a stacked consonant
        head = draw(st.sampled_from(["\u1004\u103a\u1039", head + "\u1039"])) + draw(st.sampled_from(CONSONANTS))
    parts = [
        head, draw(MEDIALS),
        draw(st.sampled_from(["", "\u1031"])),
        draw(st.sampled_from(["", "\u102d", "\u102e", "\u1032"])),
        draw(st.sampled_from(["", "\u102f", "\u1030"])),
        draw(st.sampled_from(["", "\u102b", "\u102c"])),
        draw(st.sampled_from(["", "\u1036"])),
    ]
    ending = draw(st.sampled_from(["", "\u103a", "final"]))
    if ending == "\u103a":
        parts.append(draw(st.sampled_from(["\u103a", "\u1037\u103a", "\u103a\u1037"])))
    elif ending == "final":
        parts.append(draw(st.sampled_from(FINALS)) + draw(st.sampled_from(["\u103a", "\u1037\u103a", "\u103a\u1037"])))
    parts.append(draw(st.sampled_from(["", "\u1037", "\u1038"])) if ending == "" else
                 draw(st.sampled_from(["", "\u1038"])))
    return "".join(parts)


JOINERS = st.sampled_from(["", "", "", " ", "\u200b", "\u104a ", "\u104b\n", ", ", " (", ") ", "\u201c", "1 "])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(syllable(), JOINERS), min_size=1, max_size=12))
def test_well_formed_unicode_burmese_is_never_flagged(pieces):
    text = "".join(s + j for s, j in pieces)
    assert not looks_like_zawgyi(text), [hex(ord(c)) for c in text]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(syllable(), JOINERS), min_size=1, max_size=6), st.sampled_from(WORDS))
def test_one_zawgyi_word_in_unicode_text_is_flagged(pieces, word):
    unicode = "".join(s + j for s, j in pieces)
    assert looks_like_zawgyi(unicode + " " + word[1])
    assert looks_like_zawgyi(word[1] + " " + unicode)
