"""The exercise proofs: a check that accepts a mistake is caught, and the catalog stays in step."""

import asyncio
import builtins
import inspect
from pathlib import Path

import nbformat
import pytest

from course_tools import classroom, proofs

CATALOG = Path(__file__).resolve().parent.parent / "exercise_mistakes.py"


def write_exercise(folder: Path, check: str, mistake: str) -> tuple[Path, Path]:
    """A one-exercise notebook (double a number) and a catalog with one mistake for it."""
    notebook = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell("def double(n):\n    return 2 * n")
    solution.metadata["tags"] = ["solution"]
    solution["id"] = "solution"
    checking = nbformat.v4.new_code_cell(check)
    checking.metadata["tags"] = ["check"]
    notebook.cells = [solution, checking]
    path = folder / "99-double.ipynb"
    nbformat.write(notebook, path)
    catalog = folder / "catalog.py"
    catalog.write_text(
        "from course_tools.proofs import Exercise, Mistake\n"
        f"CATALOG = {{'99-double': {{'solution': Exercise([Mistake({mistake!r}, 'multiply')])}}}}\n"
    )
    return path, catalog


def prove(path: Path, catalog: Path) -> dict:
    """Run the proof of the one exercise in a fresh namespace; return the namespace."""
    namespace = {"check": classroom_check()}
    asyncio.run(proofs.prove(str(path), "solution", str(catalog), namespace))
    return namespace


def classroom_check():
    """The course's check() helper."""
    from course_kit.exercises import check

    return check


WRONG = "def double(n):\n    return n + 2"


def test_proof_passes_a_check_that_rejects_the_mistake(tmp_path: Path) -> None:
    """A check that tests two inputs rejects `n + 2` (right only for 2) with its hint."""
    check = "check(double(2) == 4 and double(5) == 10, 'multiply by two.')"
    namespace = prove(*write_exercise(tmp_path, check, WRONG))
    # The reference solution is back, not the last mistake: the check cell comes next.
    assert namespace["double"](5) == 10


def test_proof_fails_a_check_that_accepts_the_mistake(tmp_path: Path) -> None:
    """A check that tests only 2 accepts `n + 2`: the proof says which mistake got through."""
    check = "check(double(2) == 4, 'multiply by two.')"
    with pytest.raises(proofs.ProofFailed, match="wrong solution 1"):
        prove(*write_exercise(tmp_path, check, WRONG))


def test_proof_fails_a_check_that_passes_the_stub(tmp_path: Path) -> None:
    """A check that checks nothing passes the stub: the proof fails on the stub first."""
    with pytest.raises(proofs.ProofFailed, match="passed with the stub"):
        prove(*write_exercise(tmp_path, "print('fine')", WRONG))


def test_proof_fails_when_the_hint_does_not_name_the_mistake(tmp_path: Path) -> None:
    """Rejecting the mistake is not enough: the hint must contain the catalog's words."""
    check = "check(double(2) == 4 and double(5) == 10, 'try again.')"
    with pytest.raises(proofs.ProofFailed, match="hint containing 'multiply'"):
        prove(*write_exercise(tmp_path, check, WRONG))


def test_defined_names_are_the_top_level_bindings() -> None:
    """The names a proof forgets between attempts: defs, classes and assignment targets."""
    source = inspect.cleandoc(
        """
        import os
        LIMIT = 3
        settings.TIMEOUT = 2
        table[0] = 1
        a, b = 1, 2
        def f(): pass
        async def g(): pass
        class C: pass
        for i in range(2): pass
        """
    )
    assert proofs.defined_names(source) == {"LIMIT", "a", "b", "f", "g", "C"}


def test_catalog_names_only_existing_exercises() -> None:
    """Every catalog entry names a notebook's solution cell: no entry silently checks nothing."""
    catalog = proofs.load_catalog(CATALOG)
    assert catalog
    stems = {path.stem: path for path in classroom.notebooks()}
    for stem, exercises in catalog.items():
        assert stem in stems, stem
        notebook = nbformat.read(stems[stem], as_version=4)
        ids = {solution.get("id") for solution, _ in proofs.exercises(notebook)}
        assert set(exercises) <= ids, (stem, set(exercises) - ids)
        assert all(exercise.mistakes for exercise in exercises.values()), stem


def test_hint_for_names_the_mistake_and_lets_other_errors_through() -> None:
    """The hint replaces the expected error, a group holding it, and nothing else."""
    from course_kit.exercises import hint_for

    with pytest.raises(AssertionError, match=r"^Not yet: use aget \(KeyError: 'x'\)$"):
        with hint_for(KeyError, "use aget"):
            raise KeyError("x")
    if hasattr(builtins, "ExceptionGroup"):  # Python 3.11+
        group = builtins.ExceptionGroup("tasks", [ValueError("inner")])
        with pytest.raises(AssertionError, match="Not yet: no ValueError"):
            with hint_for(ValueError, "no ValueError"):
                raise group
    with pytest.raises(TypeError):
        with hint_for(KeyError, "use aget"):
            raise TypeError("other")


@pytest.mark.parametrize("path", classroom.notebooks(), ids=lambda path: path.stem)
def test_every_exercise_has_a_recorded_mistake(path: Path) -> None:
    """Every exercise is proven against a plausible wrong solution, not against the stub alone."""
    catalog = proofs.load_catalog(CATALOG)
    solutions = [
        solution.get("id") for solution, _ in proofs.exercises(nbformat.read(path, as_version=4))
    ]
    assert len(solutions) >= 2
    for solution_id in solutions:
        entry = catalog.get(path.stem, {}).get(solution_id)
        assert entry is not None and entry.mistakes, (
            f"{path.stem} {solution_id}: no mistake recorded"
        )


@pytest.mark.slow
def test_each_proof_runs_between_its_solution_and_its_check() -> None:
    """conftest.py puts a proof right before every check cell, which then runs on the reference."""
    import subprocess
    import sys

    notebook = classroom.notebooks()[0]
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", str(notebook)],
        cwd=CATALOG.parent.parent, capture_output=True, text=True, timeout=120,
    ).stdout.splitlines()  # fmt: skip
    names = [line.split("::", 1)[1] for line in collected if "::" in line]
    checks = len(proofs.exercises(nbformat.read(notebook, as_version=4)))
    proven = [name for name in names if name.endswith(" proof")]
    assert len(proven) == checks >= 2
    for proof in proven:
        assert names[names.index(proof) + 1] == proof.removesuffix(" proof")
