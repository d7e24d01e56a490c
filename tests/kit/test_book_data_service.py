"""The book-data service (course_kit/book_data_service.py): the pretend outside world's answers."""

import asyncio
import os
import time
import types

import httpx
import pytest
from support import AsyncBarrier, listening_ips

from course_kit import book_data_service as upstream
from course_kit.bench.run import start_server
from course_kit.book_data_service import BookDataService, main
from course_kit.servers import serve


def service_client(service: BookDataService) -> httpx.AsyncClient:
    """An httpx client wired straight to a service, in process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=service), base_url="http://up")


async def test_service_answers_each_resource() -> None:
    """Every resource answers stable JSON for a known book."""
    async with service_client(BookDataService()) as up:
        bodies = [(await up.get(f"/{part}/7")).json() for part in ("rating", "price", "stock")]
    assert bodies == [
        {"book_id": 7, "rating": 3.9},
        {"book_id": 7, "price": 27.5},
        {"book_id": 7, "in_stock": 2},
    ]


@pytest.mark.parametrize("path", ["/rating/1001", "/rating/x", "/reviews/1", "/"])
async def test_service_refuses_unknown_paths(path: str) -> None:
    """Unknown books and paths are 404s with a message."""
    async with service_client(BookDataService()) as up:
        response = await up.get(path)
    assert response.status_code == 404
    assert response.json()["detail"]


async def test_service_knobs_and_reset() -> None:
    """`status` applies to every resource; `configure` overrides one; counters count; reset()
    forgets every knob, counter and recorded call."""
    service = BookDataService(status=503, delay=0.01, record=True)
    service.configure("price", delay=0.01)
    async with service_client(service) as up:
        rating, price = await asyncio.gather(up.get("/rating/1"), up.get("/price/1"))
    assert (rating.status_code, price.status_code) == (503, 200)
    assert service.requests == 2 and service.in_flight == 0 and service.peak_in_flight == 2
    assert len(service.calls) == 2
    service.reset()
    forgotten = (service.requests, service.peak_in_flight, service.calls, service.delay)
    assert forgotten == (0, 0, [], 0.0)
    assert (service.status, service.overrides, service.record) == (200, {}, False)


async def test_service_idle_waits_for_calls_in_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """idle() waits while a call is in progress, says how many when it gives up, returns after."""
    gate, real_sleep = asyncio.Event(), asyncio.sleep

    async def held(delay: float) -> None:
        await (gate.wait() if delay == 123 else real_sleep(delay))

    monkeypatch.setattr(upstream, "asyncio", types.SimpleNamespace(sleep=held))
    service = BookDataService(delay=123)
    async with service_client(service) as up:
        call = asyncio.ensure_future(up.get("/rating/1"))
        for _ in range(100):  # in process, the call arrives within a few loop turns
            if service.in_flight:
                break
            await real_sleep(0.01)
        assert service.in_flight == 1
        with pytest.raises(TimeoutError, match="1 call"):
            await service.idle(timeout=0.05)
        gate.set()
        await service.idle(timeout=5)
        assert service.in_flight == 0 and (await call).status_code == 200


def test_service_refuses_unknown_resource_knob() -> None:
    """A typo in a resource name is an error that lists the right names."""
    with pytest.raises(ValueError, match="choose from rating, price, stock"):
        BookDataService().configure("prices", delay=1)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--delay", "soon"], "invalid float value: 'soon'"),
        (["--port", "70000"], "must be between 0 and 65535, not 70000"),
        (["--status", "42"], "must be between 100 and 599, not 42"),
        (["--delay", "-1"], "must be 0 or more, not -1"),
    ],
)
def test_service_cli_refuses_bad_arguments(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m course_kit.book_data_service` says what is wrong with its arguments: exit 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_service_cli_listens_on_loopback_only(tmp_path) -> None:
    """The service's command line serves on 127.0.0.1 and nowhere else."""
    command = [os.sys.executable, "-m", "course_kit.book_data_service", "--port", "{port}"]
    with start_server("upstream", command, {}, tmp_path) as server:
        assert listening_ips(server.process.pid) == {"127.0.0.1"}
        assert httpx.get(f"{server.url}/rating/1", timeout=10).json()["book_id"] == 1


async def test_service_records_calls_and_connections() -> None:
    """With record on, each call is kept with its client port and its times on the shared
    clock; two clients one after the other came over two connections."""
    service = BookDataService(record=True)
    spans = []
    with serve(service) as server:
        for part in ("rating", "price"):
            async with httpx.AsyncClient(base_url=server.url) as up:
                before = time.perf_counter()
                await up.get(f"/{part}/1")
                spans.append((before, time.perf_counter()))
    assert [call.resource for call in service.calls] == ["rating", "price"]
    assert service.connections == 2 and all(call.client_port > 0 for call in service.calls)
    for call, (before, after) in zip(service.calls, spans, strict=True):
        assert before <= call.start <= call.end <= after


async def test_service_records_when_a_client_hangs_up_before_the_answer() -> None:
    """A client that gives up mid-call: the call still runs to its end, and its record says when
    the connection closed; a call answered in time has no hang-up."""
    service = BookDataService(record=True, delay=0.3)
    with serve(service) as server:
        async with httpx.AsyncClient(base_url=server.url) as up:
            with pytest.raises(httpx.ReadTimeout):
                await up.get("/rating/1", timeout=0.05)
            gave_up = time.perf_counter()
            await service.idle()
            service.delay = 0
            await up.get("/price/1")
    abandoned, answered = service.calls
    assert abandoned.hung_up is not None and gave_up - 0.05 < abandoned.hung_up < abandoned.end
    assert abandoned.end - abandoned.start >= 0.29  # asyncio.sleep may wake a hair early
    assert answered.hung_up is None


async def test_reset_drops_calls_that_arrived_before_it() -> None:
    """A slow call still running at reset() belongs to the earlier experiment: not recorded."""
    service = BookDataService(record=True, delay=0.2)
    with serve(service) as server:
        async with httpx.AsyncClient(base_url=server.url) as up:
            slow = asyncio.ensure_future(up.get("/rating/1"))
            while not service.in_flight:  # noqa: ASYNC110 - the gauge is another loop's
                await asyncio.sleep(0.01)
            service.reset(record=True)
            await slow
    assert service.calls == []


def test_gathered_calls_reach_the_service_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service handles calls concurrently: three at once meet at a barrier inside it."""
    barrier = AsyncBarrier(3)
    monkeypatch.setattr(upstream, "asyncio", types.SimpleNamespace(sleep=barrier.wait))
    service = BookDataService(delay=0.05)

    async def three(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as up:
            responses = await asyncio.gather(
                *(up.get(f"/{p}/1") for p in ("rating", "price", "stock"))
            )
        return [response.status_code for response in responses]

    with serve(service) as server:
        assert asyncio.run(three(server.url)) == [200, 200, 200]
    assert barrier.arrived == 3 and service.peak_in_flight == 3
