"""The benchmark's peer: the project's `/api/async-hello` written for FastAPI, nothing else.

Same path shape, same parameter rules (a wait of 0 to 5 seconds), same response schema, validated
by the same library (pydantic). Served by the same server with the same options, it answers "how
much of the gap is Django's per-request work?" and nothing more.
"""

import asyncio

from fastapi import FastAPI, Query
from pydantic import BaseModel

app = FastAPI(title="The benchmark's FastAPI peer")


class HelloOut(BaseModel):
    message: str


@app.get("/api/async-hello", response_model=HelloOut)
async def async_hello(delay: float = Query(1.0, ge=0, le=5)) -> dict[str, str]:
    """Wait without blocking, then answer; like the library API's /api/async-hello."""
    await asyncio.sleep(delay)
    return {"message": "Hello from FastAPI!"}
