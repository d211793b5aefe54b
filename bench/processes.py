"""Child processes (the bots under test, the fake Plusofon) and what /proc says about them and the machine."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import resource
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
LOG_PROBLEMS = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback")
LOG_EXPECTED = ("Received SIGTERM signal",)  # aiogram logs how it was stopped as a warning
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Memory:
    rss_mb: float
    """VmRSS: resident now."""
    peak_mb: float
    """VmHWM: the most it has ever been resident."""


def memory_of(pid: int) -> Memory:
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # kB
    return Memory(rss_mb=fields["VmRSS"], peak_mb=fields["VmHWM"])


def cpu_seconds_of(pid: int) -> float:
    """User + system CPU time the process has used (its threads included)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine() -> dict[str, object]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _die_with_parent() -> None:
    """In the child before exec: Linux sends it SIGTERM if the driver dies, however it dies (even SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Child:
    """A `python -m <module>` child; its stderr goes to a log file, shown when something goes wrong."""

    def __init__(self, name: str, module_args: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.args = [sys.executable, "-m", *module_args]
        self.env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.args, cwd=self.workdir, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=log,
                preexec_fn=_die_with_parent,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def memory(self) -> Memory:
        return memory_of(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds_of(self.pid)

    def check_alive(self) -> None:
        if self.process is not None and self.process.returncode is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")

    def log_problems(self) -> list[str]:
        """Warnings, errors and tracebacks in its log: a bot that fails quietly must not look fast."""
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace")
            return [line for line in text.splitlines()
                    if any(marker in line for marker in LOG_PROBLEMS)
                    and not any(expected in line for expected in LOG_EXPECTED)]
        return []

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit within `timeout`; the exit code."""
        process = self.process
        if process is None or process.returncode is not None:
            return None if process is None else process.returncode
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            return await process.wait()


class PlusofonProcess(Child):
    """bench/plusofon_server.py: the fake Plusofon API seeded with `accounts`, and its request counter.
    `delay`: seconds before each answer; `rate_limit`: requests a minute per token (429 beyond)."""

    def __init__(self, accounts: list[tuple[int, str, int]], workdir: Path, *, delay: float = 0.0,
                 rate_limit: int | None = None) -> None:
        accounts_file = workdir / "accounts.json"
        workdir.mkdir(parents=True, exist_ok=True)
        accounts_file.write_text(json.dumps(accounts))
        args = ["bench.plusofon_server", "--accounts", str(accounts_file), "--delay", str(delay)]
        if rate_limit is not None:
            args += ["--rate-limit", str(rate_limit)]
        super().__init__("plusofon", args, {}, workdir)
        self.base_url = ""
        self._control_url = ""
        self._http: aiohttp.ClientSession | None = None

    async def start(self, timeout: float = 30.0) -> None:
        await super().start()
        assert self.process is not None and self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        except TimeoutError:
            line = b""
        words = line.decode().split()
        if len(words) != 3 or words[0] != "READY":
            await self.stop()
            raise RuntimeError(f"fake Plusofon did not start ({line!r}):\n{self.log_tail()}")
        self.base_url, self._control_url = words[1], words[2]
        self._http = aiohttp.ClientSession()

    async def take_counts(self) -> dict[str, int]:
        """Requests served since the previous call, by HTTP method."""
        assert self._http is not None
        async with self._http.get(self._control_url + "/take") as response:
            return await response.json()

    async def take_total(self) -> int:
        return sum((await self.take_counts()).values())

    async def take_calls(self) -> dict[str, Any]:
        """The requests answered since the previous take, and the fake's state now (bench.plusofon_server)."""
        assert self._http is not None
        async with self._http.get(self._control_url + "/calls") as response:
            return await response.json()

    async def number(self, user_id: int, position: int) -> dict[str, Any] | None:
        """The number at `position` (0-based, negative: from the end) of the account's list."""
        assert self._http is not None
        params = {"user_id": str(user_id), "position": str(position)}
        async with self._http.get(self._control_url + "/number", params=params) as response:
            return await response.json()

    async def stop(self, timeout: float = 10.0) -> int | None:
        if self._http is not None:
            await self._http.close()
            self._http = None
        return await super().stop(timeout)


class BotProcess:
    """A bot (the real one or a yardstick) as its own process, long-polling a FakeBotApi served from here."""

    def __init__(self, name: str, module_args: list[str], workdir: Path, env: dict[str, str]) -> None:
        from bench.world import BOT_TOKEN
        from tests.fake_bot_api import FakeBotApi  # aiogram's import is slow: only when a bot is needed

        self.name = name
        self.telegram = FakeBotApi(token=BOT_TOKEN)
        self._module_args = module_args
        self._workdir = workdir
        self._env = {"BOT_TOKEN": BOT_TOKEN, "LOG_LEVEL": "WARNING", **env}
        self.child: Child | None = None

    async def start(self, timeout: float = 60.0) -> None:
        """Start the process and return once it is polling for updates."""
        await self.telegram.start()
        env = {**self._env, "TELEGRAM_API_URL": self.telegram.base_url}
        self.child = Child(self.name, self._module_args, env, self._workdir)
        await self.child.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self.child.check_alive()
            try:
                await self.telegram.wait_for("getUpdates", timeout=0.5)
                return
            except TimeoutError:
                if loop.time() > deadline:
                    raise RuntimeError(f"{self.name} did not poll within {timeout}s:\n{self.child.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.child is not None
        return self.child.pid

    def memory(self) -> Memory:
        return memory_of(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds_of(self.pid)

    def check_alive(self) -> None:
        assert self.child is not None
        self.child.check_alive()

    async def stop(self) -> None:
        """SIGTERM the bot (its pending long poll is answered at once), then close the fake Bot API."""
        if self.child is not None:
            stopping = asyncio.create_task(self.child.stop())
            await asyncio.sleep(0.1)
            await self.telegram.stop()
            await stopping
        else:
            await self.telegram.stop()
