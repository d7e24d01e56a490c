"""Logging for the project: one line per record, readable in a notebook or a terminal."""

import logging
import sys


class OneLineLogHandler(logging.Handler):
    """Print a log record as one line on stdout: level, first line of the message, the exception."""

    def emit(self, record: logging.LogRecord) -> None:
        """Print the record; a traceback becomes "ExceptionType: message" without file paths."""
        first, *more = record.getMessage().splitlines() or [""]
        line = f"[{record.name}] {record.levelname}: {first}{' …' if more else ''}"
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and str(error) not in record.getMessage():
            line += f" ({type(error).__name__}: {str(error).splitlines()[0]})"
        # sys.stdout at emit time: the kernel swaps it per cell, and stdout keeps the log in order
        # with the cell's own prints. One write, so that a line from a worker thread never splits.
        sys.stdout.write(line + "\n")
