"""Processes and ports: the helpers every server the course starts shares."""

from __future__ import annotations

import os
import socket
import subprocess


def free_socket(host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket bound to a port the OS picked, so no other program can take it meanwhile."""
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it Nagle and delayed ACKs add 40 ms to every small response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


def free_port(host: str = "127.0.0.1") -> int:
    """A port on `host` that nobody listens on right now (for a child that binds it itself)."""
    with free_socket(host) as sock:
        return sock.getsockname()[1]


def process_exists(pid: int) -> bool:
    """Whether a process with this id is running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, and belongs to someone else
    return True


def stop_process(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)
