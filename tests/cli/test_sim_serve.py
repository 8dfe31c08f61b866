"""`mosnews sim serve` runs the simulator alone and writes a config that `mosnews crawl` uses as is."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml


def test_sim_serve_writes_a_config_that_crawl_runs_on(tmp_path: Path) -> None:
    cfg = tmp_path / "sim.yaml"
    db = tmp_path / "sim.db"
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler", "sim", "serve", "--sites", "4", "--seed", "3", "--backlog-days", "1",
         "--write-config", str(cfg), "--database", f"sqlite:///{db}", "--duration", "300"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for _ in range(600):  # wait for the config (the simulator is up once it is written)
            if cfg.exists() and cfg.stat().st_size > 0 or server.poll() is not None:
                break
            time.sleep(0.1)
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
        assert len(data["sources"]) == 4 and all(s["url"].startswith("http://127.") for s in data["sources"])
        crawl = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--config", str(cfg)], capture_output=True, text=True, timeout=300)
        assert crawl.returncode == 0, crawl.stderr
        assert "crawled 4 sources" in crawl.stdout and "0 sources failed" in crawl.stdout
    finally:
        server.terminate()
        server.wait(30)
    assert server.returncode == 0


def test_sim_serve_with_the_mayor_replica_gives_releases_with_originals(tmp_path: Path) -> None:
    """`--mayor` adds the www.mos.ru replica and its `kind: mayor` source: after one crawl,
    `releases --originals-only` lists releases with their original, `story --format json` shows it."""
    import json

    cfg = tmp_path / "sim.yaml"
    db = tmp_path / "sim.db"
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler", "sim", "serve", "--sites", "4", "--seed", "3", "--backlog-days", "1", "--mayor",
         "--write-config", str(cfg), "--database", f"sqlite:///{db}", "--duration", "300", "--speed", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for _ in range(600):
            if cfg.exists() and cfg.stat().st_size > 0 or server.poll() is not None:
                break
            time.sleep(0.1)
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
        assert [s["kind"] for s in data["sources"]].count("mayor") == 1 and len(data["sources"]) == 5
        crawl = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--config", str(cfg)], capture_output=True, text=True, timeout=300)
        assert crawl.returncode == 0, crawl.stderr
        rel = subprocess.run([sys.executable, "-m", "crawler", "releases", "--config", str(cfg), "--originals-only", "--format", "json"],
                             capture_output=True, text=True, timeout=120)
        assert rel.returncode == 0, rel.stderr
        out = rel.stdout.strip()
        rows = json.loads(out) if out.startswith("[") else [json.loads(line) for line in out.splitlines() if line.strip()]
        assert rows and all(r["original_url"] for r in rows)
        sid = rows[0]["story_id"]
        one = subprocess.run([sys.executable, "-m", "crawler", "story", str(sid), "--config", str(cfg), "--format", "json"],
                             capture_output=True, text=True, timeout=120)
        assert one.returncode == 0, one.stderr
        assert any(r.get("original") for r in json.loads(one.stdout)["reprints"])
    finally:
        server.terminate()
        server.wait(30)
    assert server.returncode == 0
