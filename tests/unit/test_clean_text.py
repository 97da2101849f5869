"""The edge cleaning of outside text: the quick path (one search) changes nothing it
should not, and every character the rules name is still handled."""

from __future__ import annotations

import random
import re

from service.domain.text import REPLACEMENT, clean_json, clean_text


def reference(value: str) -> str:
    """The rules as documented, applied one by one with no shortcut."""
    out = re.sub("[\ud800-\udfff]", REPLACEMENT, value)
    out = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]", "", out)
    return re.sub("\r\n?", "\n", out)


# Every character a rule names, its neighbours, and ordinary text.
ALPHABET = ([chr(c) for c in range(0x00, 0x21)] + ["\u202a", "\u202e", "\u2066", "\u2069",
            "\u2029", "\u202f", "\u2065", "\u206a", "\ud800", "\udfff", "\ud7ff", "\ue000",
            "a", "é", "😀", "<", "&"])


def test_clean_text_matches_the_rules_on_generated_text() -> None:
    rng = random.Random(11)
    for _ in range(5000):
        value = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        out, changed = clean_text(value)
        assert out == reference(value), repr(value)
        assert changed == (out != value)


def test_clean_json_cleans_keys_and_values_and_counts() -> None:
    doc = {"a\x00": ["ok", "x\r\ny", 1, 2.5, True, None, {"k": "\ud800"}], "n": 3}
    cleaned, count = clean_json(doc)
    assert cleaned == {"a": ["ok", "x\ny", 1, 2.5, True, None, {"k": REPLACEMENT}], "n": 3}
    assert count == 3
    assert clean_json({"plain": ["text", 1]}) == ({"plain": ["text", 1]}, 0)


def test_the_json_shortcut_never_skips_a_document_that_needs_cleaning() -> None:
    import json

    from service.domain.text import json_may_need_cleaning, loads_clean

    rng = random.Random(12)
    for _ in range(3000):
        doc = {"".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 3))):
               ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8)))
                for _ in range(rng.randint(0, 3))]}
        for ascii_only in (True, False):
            text = json.dumps(doc, ensure_ascii=ascii_only)
            if not ascii_only and any("\ud800" <= c <= "\udfff" for c in text):
                raw = text.encode("utf-8", "surrogatepass")  # as a careless sender would
            else:
                raw = text.encode("utf-8")
            # (Parsed first: two lone surrogates side by side are one character in JSON.)
            expected = clean_json(json.loads(raw))
            assert loads_clean(raw) == expected, repr(text)
            if expected[1]:
                assert json_may_need_cleaning(text)
    # Upper-case escapes count too; a plain document is not walked.
    assert loads_clean(b'{"a": "x\\u000Dy"}') == ({"a": "x\ny"}, 1)
    assert not json_may_need_cleaning('{"subject": "1-2-1", "n": [1, 2]}')
