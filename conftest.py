"""How pytest runs the notebooks: nbval executes each one once; exercise proofs ride along.

Before the check cell of every exercise, right after its solution cell, an extra item runs
`course_tools.proofs.prove` in the same kernel: the stub and each recorded wrong solution must fail
the check; then it puts the reference solution back, and the check cell itself must pass on it. No
notebook is executed twice.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

CATALOG = Path(__file__).resolve().parent / "tests" / "exercise_mistakes.py"


def proof_item(check_item: pytest.Item, solution_id: str) -> pytest.Item:
    """An nbval cell item that proves the exercise in the kernel, before its check cell runs."""
    # Imported here, not at the top: notebook 07's pytest runs load this file without nbval, and
    # need no nbformat (course_tools/fast_imports.py says what its import costs).
    import nbformat
    from nbval.plugin import IPyNbCell

    notebook = Path(str(check_item.parent.fspath)).resolve()
    source = (
        "await __import__('course_tools.proofs').proofs.prove("
        f"{str(notebook)!r}, {solution_id!r}, {str(CATALOG)!r})"
    )
    # No execution_count and no outputs: nbval runs the cell, fails on any error, and compares
    # nothing, since the cell is not part of the committed notebook.
    cell = nbformat.v4.new_code_cell(source)
    cell.pop("id", None)
    return IPyNbCell.from_parent(
        check_item.parent,
        name=f"{check_item.name} proof",
        cell_num=check_item.cell_num,
        cell=cell,
        options=defaultdict(bool),
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add an exercise proof before every check cell; skip a notebook whose server is missing."""
    from course_tools import execute

    proven: list[pytest.Item] = []
    previous = None
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is not None and "check" in cell.metadata.get("tags", []):
            solution = getattr(previous, "cell", None)
            if solution is not None and "solution" in solution.metadata.get("tags", []):
                proven.append(proof_item(item, solution.get("id")))
        proven.append(item)
        previous = item
    items[:] = proven

    # A notebook that needs a database server nobody has: skipped, with one line that says why
    # (with the server's require flag it runs, and its setup cell fails, saying why).
    reasons: dict[Path, str | None] = {}
    for item in items:
        if item.path.suffix == ".ipynb":
            if item.path not in reasons:
                reasons[item.path] = execute.skip_reason(item.path)
            if reasons[item.path]:
                item.add_marker(pytest.mark.skip(reason=reasons[item.path]))
