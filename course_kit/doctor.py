"""`python -m course_kit.doctor` (`make doctor`): check that this machine can run the course.

One line per check, OK or FAIL with the fix (or SKIP for what is optional). Exits 1 when a required
check fails. Run it with the interpreter of the environment you want to check (`.venv/bin/python`).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from course_kit.paths import NOTEBOOKS, ROOT

MIN_FREE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Result:
    """The outcome of one check."""

    status: str  # "OK", "FAIL" or "SKIP"
    name: str
    detail: str

    def line(self) -> str:
        """How the check prints: `OK    name: detail`."""
        return f"{self.status:5} {self.name}: {self.detail}"


def check_python() -> Result:
    """Python 3.11 or newer: the notebooks use asyncio.timeout and TaskGroup, and the pooled
    handler needs asgiref 3.13 (Django 5.2 alone would run on 3.10)."""
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info >= (3, 11):  # noqa: UP036 - it must run on the Pythons it rejects
        return Result("OK", "python", version)
    return Result(
        "FAIL", "python", f"{version}; install Python 3.11+ and run make PYTHON=python3.12"
    )


def locked_versions(lock: Path) -> dict[str, str]:
    """The pins of a lock file that apply to this interpreter: {name: version}."""
    from packaging.markers import Marker

    pins: dict[str, str] = {}
    for raw in lock.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "==" not in line:
            continue
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        name, _, version = requirement.strip().partition("==")
        pins[name.lower()] = version.strip()
    return pins


def check_packages(lock: Path) -> Result:
    """Every package of the lock installed at its pinned version."""
    wrong = []
    for name, pinned in locked_versions(lock).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} missing")
            continue
        if installed != pinned:
            wrong.append(f"{name} {installed} (lock: {pinned})")
    if not wrong:
        return Result("OK", "packages", f"match {lock.name}")
    shown = ", ".join(wrong[:5]) + (f" and {len(wrong) - 5} more" if len(wrong) > 5 else "")
    return Result("FAIL", "packages", f"{shown}; run make reinstall")


def check_kernel() -> Result:
    """A `python3` Jupyter kernel that notebooks and nbval can start."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return Result("FAIL", "kernel", "no python3 kernel; pip install ipykernel (make venv)")
    return Result("OK", "kernel", f"python3 ({spec.display_name})")


def check_importable() -> Result:
    """The course's packages import from the notebooks' folder, as they must in a kernel."""
    run = subprocess.run(
        [sys.executable, "-c", "import course_kit, course_tools, tutorial_project"],
        cwd=NOTEBOOKS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if run.returncode == 0:
        return Result(
            "OK", "package", "course_kit, course_tools and tutorial_project import from notebooks/"
        )
    fix = "run pip install -e . (make venv)"
    return Result("FAIL", "package", f"the course's packages are not importable; {fix}")


def check_port() -> Result:
    """A free TCP port on 127.0.0.1 for the course's servers."""
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return Result("OK", "loopback", "a free port on 127.0.0.1")
    except OSError as error:
        return Result("FAIL", "loopback", f"cannot bind 127.0.0.1 ({error}); check the firewall")


def check_mysql() -> Result:
    """A MariaDB/MySQL server for notebook 06 (optional)."""
    from course_kit.databases import mariadb
    from tutorial_project.db import URL_VARIABLE

    choice = mariadb.choose()
    if choice.source == "url":
        return Result("OK", "mysql", f"{URL_VARIABLE} is set")
    binaries = mariadb.server_binaries()
    if binaries:
        return Result("OK", "mysql", f"{Path(binaries[0]).name} found (throwaway servers)")
    return Result("SKIP", "mysql", f"optional, for notebook 06. {choice.why}")


def check_postgres() -> Result:
    """A PostgreSQL server for notebook 11 (optional)."""
    from course_kit.databases import postgres
    from tutorial_project.db import POSTGRES_URL_VARIABLE

    choice = postgres.choose()
    if choice.source == "url":
        return Result("OK", "postgres", f"{POSTGRES_URL_VARIABLE} is set")
    if choice.source == "throwaway":
        return Result("OK", "postgres", f"{postgres.server_binaries()} (throwaway servers)")
    return Result("SKIP", "postgres", f"optional, for notebook 11. {choice.why}")


def check_disk() -> Result:
    """Room in the temporary folder for the notebooks' databases."""
    folder = tempfile.gettempdir()
    free = shutil.disk_usage(folder).free
    if free >= MIN_FREE_BYTES:
        return Result("OK", "disk", f"{free // 2**20} MiB free for temporary databases")
    return Result("FAIL", "disk", f"only {free // 2**20} MiB free in {folder}; free 200 MiB")


def default_lock() -> Path:
    """The lock this environment was built from: the compatibility lane's in .venv-latest."""
    latest = Path(sys.prefix).name == ".venv-latest"
    return ROOT / ("requirements-latest.txt" if latest else "requirements.txt")


def run_checks(lock: Path) -> list[Result]:
    """Every check, in order."""
    checks: list[Callable[[], Result]] = [
        check_python,
        lambda: check_packages(lock),
        check_kernel,
        check_importable,
        check_port,
        check_mysql,
        check_postgres,
        check_disk,
    ]
    return [check() for check in checks]


def main(argv: list[str] | None = None) -> int:
    """Print one line per check; exit 1 if a required check failed."""
    args = sys.argv[1:] if argv is None else argv
    lock = ROOT / args[0] if args else default_lock()
    results = run_checks(lock)
    for result in results:
        print(result.line())
    return 1 if any(result.status == "FAIL" for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
