"""The README's API tables are generated from the facades (duet/api_tables.py): the README must
hold exactly the generated text, and every listed name must be exercised by some test."""

from __future__ import annotations

import re
from pathlib import Path

from duet.api_tables import END, START, generate, listed_names

ROOT = Path(__file__).resolve().parents[1]


def _readme_tables() -> str:
    text = (ROOT / "README.md").read_text()
    start, end = text.index(START), text.index(END) + len(END)
    return text[start:end]


def test_readme_tables_are_the_generated_ones():
    assert _readme_tables() == generate(), (
        "README's API tables drifted from the code: paste `python -m duet.api_tables` output")


def _test_sources() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py")
                     if p.name != "test_readme.py")


def test_every_listed_name_is_exercised_by_a_test():
    sources = _test_sources()
    missing = {label: [n for n in names if not re.search(rf"\b{re.escape(n)}\b", sources)]
               for label, names in listed_names().items()}
    missing = {label: names for label, names in missing.items() if names}
    assert not missing, f"listed in the README but named in no test: {missing}"
