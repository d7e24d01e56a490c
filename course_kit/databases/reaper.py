"""The reaper: a throwaway database server must not outlive the process that started it.

It runs beside the server in a session of its own. Its stdin is a pipe from the process that
started the server: "done" means that process cleaned up itself; end-of-file without it means
that process died (a kernel killed with SIGKILL runs no cleanup), so the reaper stops the server
and deletes its files. Without it, every killed notebook kernel would leave a server running.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

REAPER = """
import os, shutil, signal, sys, time
pid, workdir, stop_with = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
if sys.stdin.buffer.read() == b"done":
    sys.exit(0)
def alive():
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
if alive():
    os.kill(pid, stop_with)
deadline = time.monotonic() + 30
while alive() and time.monotonic() < deadline:
    time.sleep(0.1)
if alive():
    os.kill(pid, signal.SIGKILL)
shutil.rmtree(workdir, ignore_errors=True)
"""


def start_reaper(
    server_pid: int, workdir: Path, stop_with: signal.Signals = signal.SIGTERM
) -> subprocess.Popen[bytes]:
    """Start the process that stops the server (with `stop_with`) if this process dies first."""
    return subprocess.Popen(
        [sys.executable, "-c", REAPER, str(server_pid), str(workdir), str(int(stop_with))],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
