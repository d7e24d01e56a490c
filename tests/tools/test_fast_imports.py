"""course_tools.fast_imports: the suite's processes skip rfc3987_syntax, and lose no check by it."""

import json
import sys
from pathlib import Path
from typing import Any

import nbformat


def format_keywords(schema: Any) -> list[str]:
    """Every "format" keyword in a JSON schema (a property named "format" is not one)."""
    found = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "definitions", "$defs"):
                for sub in value.values():
                    found += format_keywords(sub)
            elif key == "format" and isinstance(value, str):
                found.append(value)
            else:
                found += format_keywords(value)
    elif isinstance(schema, list):
        for item in schema:
            found += format_keywords(item)
    return found


def test_pytest_loads_it_before_nbval() -> None:
    """This pytest process never imported rfc3987_syntax: the plugin ran before nbval's imports."""
    assert "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None
    assert "jsonschema" in sys.modules  # nbval's nbformat imported it, without the grammar


def test_no_notebook_schema_uses_a_format() -> None:
    """What jsonschema leaves unchecked without it (the "iri" formats) is in no nbformat schema."""
    schemas = sorted(Path(nbformat.__file__).parent.rglob("*.schema.json"))
    assert len(schemas) >= 2
    for path in schemas:
        assert format_keywords(json.loads(path.read_text(encoding="utf-8"))) == [], path.name
    # The walker does find one.
    assert format_keywords({"properties": {"format": {"type": "string", "format": "iri"}}}) == [
        "iri"
    ]
