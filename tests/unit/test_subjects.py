"""domain.subjects.fits: whether a series' subject still has [policy] subject's shape."""

from __future__ import annotations

import pytest

from service.domain.subjects import fits

DEFAULT = "1-2-1: {manager} & {report}"


@pytest.mark.parametrize(("subject", "template", "expected"), [
    ("1-2-1: Mia Manager & Rob Report", DEFAULT, True),
    ("1-2-1: Okafor, Ben & Zoë (she/her) [ext]", DEFAULT, True),  # any names
    ("1-2-1: Mia & Rob & Co & Rob", DEFAULT, True),  # "&" in a name
    ("Rob & Mia weekly", DEFAULT, False),  # rewritten by the manager
    ("1-2-1: Mia Manager & Rob Report (moved)", "1-2-1: {manager} & {report} [x]", False),
    ("RE: 1-2-1: Mia & Rob", DEFAULT, False),
    ("1-2-1 {Mia} with Rob", "1-2-1 {{{manager}}} with {report}", True),  # braces written {{
    ("1-2-1: .* & .*", "1-2-1: {manager} & {report}", True),  # regex words are text
    ("1-2-1x Mia & Rob", DEFAULT, False),  # "." in no template means any character
    ("1-2-1: \nMia & Rob", DEFAULT, True),
])
def test_a_subject_fits_the_template_whatever_the_names(subject: str, template: str,
                                                        expected: bool) -> None:
    assert fits(subject, template) is expected
