"""`python -m bot ...` as a real subprocess, for the admin commands' tests (asyncio: the fake servers run in the
test's own event loop, so a blocking subprocess call would freeze them)."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 20.0


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def base_env(**values: str) -> dict[str, str]:
    """An environment with only what the command needs: no stray settings from the machine."""
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **values}


async def run_bot(*args: str, cwd: Path, env: dict[str, str], stdin: str = "") -> Result:
    """Run `python -m bot *args`; fail the test on a hang or a traceback."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin.encode()), TIMEOUT)
    except TimeoutError:
        process.kill()
        stdout, stderr = await process.communicate()
        pytest.fail(f"`python -m bot {' '.join(args)}` did not exit in {TIMEOUT} s: {stdout!r} {stderr!r}")
    result = Result(process.returncode, stdout.decode(), stderr.decode())
    assert "Traceback" not in result.output, result.output
    return result
