"""The Dockerfile and the systemd unit, checked without Docker or systemd: structure, and their commands run here."""

from __future__ import annotations

import asyncio
import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import ServerSettings, load_settings
from crawler.observe import serve_http
from storage.engine import sqlite_path

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for ln in joined.splitlines():
        if ln.strip():
            ins, _, args = ln.strip().partition(" ")
            out.append((ins.upper(), args.strip()))
    return out


def one(ins: str) -> str:
    vals = [a for i, a in dockerfile() if i == ins]
    assert vals, f"no {ins} in Dockerfile"
    return vals[-1]


def test_dockerfile_structure():
    assert one("FROM") == "python:3.11-slim"
    assert one("USER") == "mosnews"
    assert "useradd --system" in " ".join(a for i, a in dockerfile() if i == "RUN")
    assert one("VOLUME") == "/data" and one("WORKDIR") == "/data"
    for i, a in dockerfile():
        if i == "COPY":
            for src in shlex.split(a)[:-1]:
                assert (ROOT / src).exists(), f"COPY source {src} missing"
    ignored = (ROOT / ".dockerignore").read_text().split()
    for needed in ("crawler", "storage", "pyproject.toml", "README.md", "config.yaml"):
        assert needed not in ignored


def test_cmd_runs_outside_docker():
    cmd = json.loads(one("CMD"))
    assert cmd[:2] == ["mosnews", "run"]
    assert 'mosnews = "crawler.cli:main"' in (ROOT / "pyproject.toml").read_text()
    # The image's config is the repository's config.yaml; it loads, and its SQLite file lands in WORKDIR (/data).
    dest = cmd[cmd.index("--config") + 1]
    copies = [shlex.split(a) for i, a in dockerfile() if i == "COPY"]
    assert ["config.yaml", dest] in copies
    settings = load_settings(ROOT / "config.yaml", env={})
    db = sqlite_path(settings.database.url)
    assert db is not None and (not db.is_absolute() or str(db).startswith("/data/"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "crawler", *cmd[1:], "--help"], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "--config" in p.stdout
    # EXPOSE, the HEALTHCHECK default URL and the config's server.port agree.
    assert one("EXPOSE") == str(settings.server.port)
    assert f":{settings.server.port}/healthz" in one("HEALTHCHECK")


async def test_healthcheck_command_against_live_endpoint(sqlite_store):
    hc = one("HEALTHCHECK")
    exec_form = json.loads(hc.split(" CMD ", 1)[1])
    assert exec_form[:2] == ["python", "-c"]
    assert "/healthz" in exec_form[2]
    state = {"ready": True}
    stop = asyncio.Event()
    port_f: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve_http(ServerSettings(port=0), sqlite_store, lambda: state["ready"], stop, bound=lambda h, p: port_f.set_result(p)))
    port = await asyncio.wait_for(port_f, 10)

    async def check() -> int:
        env = {**os.environ, "MOSNEWS_HEALTH_URL": f"http://127.0.0.1:{port}/healthz"}
        proc = await asyncio.create_subprocess_exec(sys.executable, *exec_form[1:], env=env,
                                                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        return await asyncio.wait_for(proc.wait(), 30)

    try:
        assert await check() == 0
        state["ready"] = False
        assert await check() != 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def unit() -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(ROOT / "deploy" / "mosnews.service", encoding="utf-8")
    return cp


def test_systemd_unit():
    u = unit()
    svc = u["Service"]
    assert svc["Restart"] == "on-failure"
    assert svc["User"] == "mosnews" and svc["Group"] == "mosnews"
    assert " run --config " in svc["ExecStart"] and svc["ExecStart"].split()[0].endswith("/mosnews")
    for key, val in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes"}.items():
        assert svc[key] == val
    assert svc["StateDirectory"] == "mosnews" and svc["WorkingDirectory"] == "/var/lib/mosnews"
    assert u["Install"]["WantedBy"] == "multi-user.target"
    assert "network-online.target" in u["Unit"]["After"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_unit_verifies(tmp_path):
    p = subprocess.run(["systemd-analyze", "verify", str(ROOT / "deploy" / "mosnews.service")], capture_output=True, text=True, timeout=60)
    problems = [ln for ln in (p.stdout + p.stderr).splitlines()
                if ln.strip() and "is not executable" not in ln and "No such file" not in ln]
    assert not [ln for ln in problems if re.search(r"Unknown|Invalid|Failed to parse|bad", ln, re.I)], problems
