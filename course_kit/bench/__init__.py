"""The load benchmark: `python -m course_kit.bench` (notebooks 08 and 09 explain it).

It serves the project under uvicorn (or granian) on 127.0.0.1, in a process of its own, next to
the book-data service (course_kit/book_data_service.py) and a FastAPI peer (peer_fastapi.py), and
keeps a fixed number of requests in flight against one endpoint at a time (a closed loop: each
virtual user sends its next request when the previous one is answered). Each point is measured in
steady state (loadgen.py): connections warmed first, only answers inside the window counted, a
window many times the median latency, repeated, with the median and the spread reported.

Every run measures, beside the project's endpoints:
* the **baseline**: the bare ASGI book-data service, which only waits. Where it reaches less than
  90% of concurrency / wait requests per second, the load generator (or the machine) is the limit,
  and every point at that concurrency is marked invalid;
* the **ceiling**: the project's async view with no wait;
* the **peer**: the same async view in FastAPI, same server, same wait; and **plain**, the view in
  plain Django without Ninja.

Modules: cli (the command line), run (rows, servers, points), report (table, checks, recorded
sweeps), loadgen (the load generator), peer_fastapi (the peer). The names below are the ones the
notebooks use; `bench.run` and `bench.report` stay the modules.
"""

from course_kit.bench.cli import main, measure, parse_args
from course_kit.bench.report import checks, find, provenance, ratio, ratios, recorded, table
from course_kit.bench.run import ROWS, STEADY, Options, Point, Row, Sample

__all__ = [
    "ROWS",
    "STEADY",
    "Options",
    "Point",
    "Row",
    "Sample",
    "checks",
    "find",
    "main",
    "measure",
    "parse_args",
    "provenance",
    "ratio",
    "ratios",
    "recorded",
    "table",
]
