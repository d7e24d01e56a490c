"""`from course_setup import setup`: the first import of every notebook.

It hands over `course_kit.kernel.setup`. It lives next to the notebooks so that any kernel
can import it, also one that runs outside the course's environment (another Jupyter, another
Python). There, instead of a bare `ModuleNotFoundError`, the first cell says what to do, in one
line.
"""

import sys

try:
    from course_kit.kernel import setup
except ModuleNotFoundError as missing:
    raise ModuleNotFoundError(
        f"No module named {missing.name!r}: this kernel ({sys.executable}) is not the course's "
        "environment. Fix: run `make lab` in the course's folder and open the notebook there, or "
        "pick the kernel of the course's .venv."
    ) from None

__all__ = ["setup"]
