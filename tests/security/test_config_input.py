"""Issue 11 item 10: config input that gave a traceback or hung exits 2 with one line naming the key, never a secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import load_settings, parse_duration
from crawler.errors import ConfigError
from crawler.safeyaml import expanded_size, load_config_yaml

PW = "s3cr@tP"


def _bomb(levels: int = 12) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


CASES = [
    ("crawl:\n  interval: 99999999999d\n", "crawl.interval", "too long"),
    ("crawl:\n  interval: 0s\n", "crawl.interval", "too short"),
    ("sources:\n  - {id: a, name: A, url: 'http://127.0.0.2/n/', interval: 0s}\n", "sources[0=a].interval", "too short"),
    ("alerts:\n  retry_for: 1e400s\n", "alerts.retry_for", "duration"),
    ("crawl:\n  since: 2025-02-30\n", "crawl.since", "day value is outside"),
    ("a: " + "[" * 20000 + "]" * 20000 + "\n", "YAML refused at line 1", "nesting deeper than 100"),
    (_bomb(), "YAML refused", "aliases expand"),
    ("a: &a [*a]\n", "YAML refused", "aliases expand"),
    (f"database:\n  url: 'postgresql://bob:{PW}@ss@db.example.test/x'\n", "database.url", "unescaped '@'"),
    (f"database:\n  url: 'postgresql://bob:{PW}@db.example.test:port{PW}/x'\n", "database.url", "not a database URL"),
    (f"database:\n  url: '{PW}'\n", "database.url", "not a database URL"),
    ("alerts:\n  allow_private_targets: true\n  webhooks:\n    - url: http://127.0.0.1:9/h\n      secret: whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=\n"
     "      filters: {regex: ['(unclosed']}\n", "alerts.webhooks[0].filters", "bad regular expression"),
    ("alerts:\n  email: {host: smtp.example.test, port: 465, starttls: true, from: a@example.test, to: [b@example.test]}\n",
     "alerts.email", "port 465 expects implicit TLS: set ssl: true"),
]


@pytest.mark.parametrize("text,key,what", CASES, ids=[c[1] + ":" + c[2] for c in CASES])
def test_bad_config_is_one_line_exit_2(tmp_path: Path, text: str, key: str, what: str) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(cfg)
    msg = str(exc.value)
    assert key in msg and what in msg, msg
    assert PW not in msg and "\n" not in msg


@pytest.mark.parametrize("text,key", [(CASES[0][0], "crawl.interval"), (CASES[6][0], "YAML refused"), (CASES[8][0], "database.url")])
def test_cli_exit_2_without_traceback(tmp_path: Path, text: str, key: str) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "crawler", "sources", "--config", str(cfg)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and "Traceback" not in proc.stderr and PW not in proc.stderr


def test_limits_keep_ordinary_yaml() -> None:
    doc = load_config_yaml("base: &b {okrugs: [ЦАО]}\nalerts:\n  webhooks:\n    - filters: *b\n    - filters: *b\nsince: 2025-01-01\n")
    assert doc["alerts"]["webhooks"][0]["filters"] == {"okrugs": ["ЦАО"]}
    assert str(doc["since"]) == "2025-01-01"
    assert expanded_size(doc) == 24  # containers + keys + scalars, each alias counted per use


def test_duration_bounds() -> None:
    with pytest.raises(ValueError, match="too long"):
        parse_duration(10**30)
    with pytest.raises(ValueError, match="negative"):
        parse_duration(-5)
    assert parse_duration("3650d").days == 3650
