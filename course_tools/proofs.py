"""Prove, in the kernel that has just run an exercise, that its check rejects the mistakes.

An exercise is a cell tagged `solution` (the learner's cell; the committed notebook holds the
reference solution) and the code cell after it, tagged `check`. The test suite runs `prove()` in
the notebook's own kernel, between the solution cell and the check cell, so the proof sees exactly
the state the learner's check would see and no notebook is executed a second time:

1. the stub of the student edition, then the check: the check must fail;
2. every plausible wrong solution recorded for the exercise (`tests/exercise_mistakes.py`), then
   the check: the check must fail with an `AssertionError` whose hint names the mistake;
3. the reference solution again, and no check: the check cell itself comes next, and nbval runs it
   and compares its output, so the check must pass on the reference solution there.

The check runs on the reference once, as the notebook's own cell: running it a second time inside
the proof would add nothing but its seconds. The kernel goes on as if the learner had run the
solution cell twice, which every cell of the course must survive anyway (the re-run lane).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What the student edition puts in a solution cell (course_tools.classroom), and the first
# attempt of every proof. No nbformat here: this module is imported in each notebook's kernel,
# and nbformat's jsonschema pulls in rfc3987_syntax, whose grammar takes most of a second to
# build on import; the notebook is read as the JSON it is.
STUB = "# YOUR CODE HERE\nraise NotImplementedError"


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong solution and the words its check's hint must contain."""

    source: str
    hint: str
    # Why a learner would write it; shown when the proof fails.
    why: str = ""


@dataclass(frozen=True)
class Exercise:
    """What the catalog records for one exercise, keyed by its solution cell's id."""

    mistakes: list[Mistake]
    # Code that puts back state a solution changes outside its own names (a setting, a row),
    # run before every attempt, so that no attempt inherits what the previous one did.
    reset: str = ""
    notes: list[str] = field(default_factory=list)


class ProofFailed(AssertionError):
    """A check accepted a mistake, or rejected the reference solution."""


def exercises(notebook: Any) -> list[tuple[Any, Any]]:
    """The (solution cell, check cell) pairs of a notebook (NotebookNode or JSON), in order."""
    cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return [
        (cell, following)
        for cell, following in zip(cells, cells[1:], strict=False)
        if "solution" in cell["metadata"].get("tags", [])
        and "check" in following["metadata"].get("tags", [])
    ]


def source(cell: Any) -> str:
    """A cell's source as one string (a notebook file may store it as a list of lines)."""
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def defined_names(source: str) -> set[str]:
    """The names a cell binds at its top level (functions, classes, assignments, imports)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                # Only names bound here: `settings.X = 1` binds no name, it changes `settings`.
                names.update(
                    n.id
                    for n in ast.walk(target)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                )
    return names


def load_catalog(path: Path) -> dict[str, dict[str, Exercise]]:
    """The catalog of mistakes: {notebook stem: {solution cell id: Exercise}}."""
    spec = importlib.util.spec_from_file_location("exercise_mistakes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CATALOG


async def run_source(source: str, namespace: dict[str, Any]) -> None:
    """Run a cell's source in `namespace`, top-level `await` allowed, as IPython would."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    code = compile(source, "<exercise>", "exec", flags=flags, dont_inherit=True)
    result = eval(code, namespace)  # the course's own cells, as the kernel would run them
    if inspect.iscoroutine(result):
        await result


async def attempt(
    solution: str, check: str | None, namespace: dict[str, Any], names: set[str], reset: str
) -> str:
    """Forget `names`, run `solution` then `check`; return how the check ended ("ran": none)."""
    for name in names:
        namespace.pop(name, None)
    if reset:
        await run_source(reset, namespace)
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            await run_source(solution, namespace)
        except NotImplementedError:
            pass  # the stub
        if check is None:
            return "ran"
        try:
            await run_source(check, namespace)
        except AssertionError as error:
            return f"rejected: {error}"
        except Exception as error:  # any other failure is reported, not raised
            return f"crashed: {type(error).__name__}: {error}"
    return "passed"


async def prove(
    notebook_path: str,
    solution_id: str,
    catalog_path: str,
    namespace: dict[str, Any] | None = None,
) -> None:
    """Prove the exercise whose solution cell has `solution_id`; raise ProofFailed if it fails.

    `namespace` is where the cells run: by default the kernel's, `__main__`.
    """
    path = Path(notebook_path)
    # Blocking, and harmless: one small local file, read before any attempt runs.
    notebook = json.loads(path.read_text(encoding="utf-8"))  # noqa: ASYNC240
    pairs = {solution.get("id"): (solution, check) for solution, check in exercises(notebook)}
    solution_cell, check_cell = pairs[solution_id]
    solution, check = source(solution_cell), source(check_cell)
    # An exercise with no recorded mistake is proven against the stub alone; the test suite's
    # test_every_exercise_has_a_recorded_mistake is what insists on a catalog entry.
    entry = load_catalog(Path(catalog_path)).get(path.stem, {}).get(solution_id) or Exercise([])
    if namespace is None:
        namespace = sys.modules["__main__"].__dict__
    # Names any attempt may bind, forgotten before the next one, so that no attempt leans on a
    # name the reference solution (or an earlier mistake) left behind.
    names = set().union(defined_names(solution), *(defined_names(m.source) for m in entry.mistakes))
    failures = []
    try:
        outcome = await attempt(STUB, check, namespace, names, entry.reset)
        if outcome == "passed":
            failures.append("the check passed with the stub")
        for number, mistake in enumerate(entry.mistakes, 1):
            outcome = await attempt(mistake.source, check, namespace, names, entry.reset)
            if not outcome.startswith("rejected: Not yet:") or mistake.hint not in outcome:
                failures.append(
                    f"wrong solution {number} ({mistake.why or 'no reason given'}): the check "
                    f"should reject it with a hint containing {mistake.hint!r}; it {outcome}"
                )
    finally:
        # Put the reference solution back; the check cell, next, runs on it (step 3).
        await attempt(solution, None, namespace, names, entry.reset)
    if failures:
        raise ProofFailed(f"{path.stem} {solution_id}:\n- " + "\n- ".join(failures))
    print(f"{path.stem} {solution_id}: stub and {len(entry.mistakes)} mistake(s) rejected")
