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


def test_pytest_loads_it_first() -> None:
    """In this pytest process jsonschema came without rfc3987_syntax and its grammar (Lark)."""
    import jsonschema._format

    assert "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None
    assert not hasattr(jsonschema._format, "is_iri") and "lark" not in sys.modules


def test_nbformat_checks_no_format() -> None:
    """nbformat validates with fastjsonschema, beside jsonschema's Draft4Validator (for its error
    messages) with no format checker: "iri" is not a draft 4 format anyway."""
    from nbformat.json_compat import get_current_validator

    validator = get_current_validator()({"type": "object"})
    assert validator.name == "fastjsonschema"
    assert type(validator._default_validator).__name__ == "Draft4Validator"  # private: nbformat's
    assert validator._default_validator.format_checker is None


def test_no_notebook_schema_uses_a_format() -> None:
    """And no nbformat schema uses the format keyword at all (the "iri" formats least of all)."""
    schemas = sorted(Path(nbformat.__file__).parent.rglob("*.schema.json"))
    assert len(schemas) >= 2
    for path in schemas:
        assert format_keywords(json.loads(path.read_text(encoding="utf-8"))) == [], path.name
    # The walker does find one.
    assert format_keywords({"properties": {"format": {"type": "string", "format": "iri"}}}) == [
        "iri"
    ]
