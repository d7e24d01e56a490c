"""`make doctor`: one line per check, and a failing exit when something required is missing."""

import re
import subprocess
from importlib import metadata

import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from course_kit import doctor


def test_doctor_on_this_environment(capsys: pytest.CaptureFixture[str]) -> None:
    """The environment the tests run in passes every required check."""
    assert doctor.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    parsed = [re.fullmatch(r"(OK|FAIL|SKIP) +(\S+): .+", line) for line in lines]
    assert all(parsed), lines
    verdicts = {match.group(2): match.group(1) for match in parsed}
    assert len(verdicts) == len(lines), "one line per check"
    required = {"python", "packages", "kernel", "package", "loopback", "disk"}
    assert required <= set(verdicts) and all(verdicts[name] == "OK" for name in required)
    assert verdicts["mysql"] in {"OK", "SKIP"}


def test_doctor_with_a_package_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An uninstalled package is a FAIL line that names it and the fix."""
    real_version = metadata.version

    def version(name: str) -> str:
        if name == "django":
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(doctor.metadata, "version", version)
    assert doctor.main([]) == 1
    out = capsys.readouterr().out
    assert "FAIL  packages: django missing; run make reinstall" in out


def test_doctor_without_a_kernel(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No python3 kernel is a FAIL line with the fix."""

    def no_kernel(self: KernelSpecManager, name: str) -> None:
        raise NoSuchKernel(name)

    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", no_kernel)
    assert doctor.main([]) == 1
    assert "FAIL  kernel: no python3 kernel; pip install ipykernel" in capsys.readouterr().out


def test_locked_versions_follow_markers(tmp_path) -> None:
    """Pins whose environment marker does not match this interpreter are left out."""
    lock = tmp_path / "requirements.txt"
    lock.write_text("# header\nalpha==1.0\nbeta==2.0 ; python_full_version < '3.0'\n    # via x\n")
    assert doctor.locked_versions(lock) == {"alpha": "1.0"}


def test_doctor_with_the_course_package_not_importable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """When notebooks/ cannot import the course's packages (not installed), the fix is named."""

    def failing_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "ModuleNotFoundError")

    monkeypatch.setattr(doctor.subprocess, "run", failing_run)
    assert doctor.main([]) == 1
    assert "FAIL  package: the course's packages are not importable; run pip install -e ." in (
        capsys.readouterr().out
    )
