"""Config loading: the shipped file, env interpolation, and one clear message per bad key."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.config import load_settings, parse_duration, settings_from_dict
from crawler.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_lists_all_sites() -> None:
    s = load_settings(ROOT / "config.yaml")
    assert s.database.url == "sqlite:///mosnews.db"
    assert s.crawl.interval == timedelta(minutes=15)
    prefectures = [x for x in s.sources if x.kind == "prefecture"]
    upravas = [x for x in s.sources if x.kind == "uprava"]
    assert len(prefectures) == 11 and len(upravas) == 125
    assert all(x.url.endswith("/presscenter/news/") for x in s.sources if x.kind != "mayor")
    mayor = [x for x in s.sources if x.kind == "mayor"]
    assert [(m.id, m.url, m.api, m.enabled) for m in mayor] == [
        ("mayor", "https://www.mos.ru/rss", "https://www.mos.ru/api/newsfeed/v4/frontend/json/ru/", True)
    ]
    assert s.alerts.wait_for_original == timedelta(minutes=5)
    # The two uncertain hosts are listed but disabled.
    disabled = {x.id for x in s.sources if not x.enabled}
    assert disabled == {"zamoskvorechye", "bv"}
    assert next(x for x in s.sources if x.id == "arbat").okrug == "ЦАО"


@pytest.mark.parametrize(
    "value,seconds", [("15m", 900), ("90s", 90), ("2h", 7200), ("1d", 86400), ("500ms", 0.5), (30, 30)]
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value).total_seconds() == seconds


def test_env_interpolation_and_missing_variable() -> None:
    raw = {"database": {"url": "${DB_URL}"}, "alerts": {"webhooks": [{"url": "http://127.0.0.1/h", "secret": "${S:-whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=}"}]}}
    s = settings_from_dict(raw, env={"DB_URL": "sqlite:///x.db"})
    assert s.database.url == "sqlite:///x.db"
    assert s.alerts.webhooks[0].secret == "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="
    with pytest.raises(ConfigError, match=r"database\.url: environment variable DB_URL is not set"):
        settings_from_dict(raw, env={})


@pytest.mark.parametrize(
    "raw,message",
    [
        ({"crawl": {"interval": "soon"}}, r"crawl\.interval: expected a duration"),
        ({"crawl": {"intervall": "15m"}}, r"crawl\.intervall: unknown key"),
        ({"sources": [{"id": "arbat", "name": "A", "url": "arbat.mos.ru"}]}, r"sources\[0=arbat\]\.url"),
        ({"sources": [{"id": "a", "name": "A", "url": "https://a/x/", "encoding": "klingon"}]}, r"unknown encoding"),
        ({"alerts": {"first_run": "maybe"}}, r"alerts\.first_run"),
        (
            {"sources": [{"id": "a", "name": "A", "url": "https://a/x/"}, {"id": "a", "name": "B", "url": "https://b/x/"}]},
            r"appears twice",
        ),
    ],
)
def test_bad_config_names_the_key(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from_dict(raw, env={})


@pytest.mark.parametrize("secret", ["notwhsec-hunter2", "whsec_hunter2!!", "whsec_aHVudGVyMg=="])
def test_bad_webhook_secret_is_refused_without_echoing_it(secret: str) -> None:
    raw = {"alerts": {"webhooks": [{"url": "http://127.0.0.1/h", "secret": secret}]}}
    with pytest.raises(ConfigError, match=r"alerts\.webhooks\[0\]\.secret") as ei:
        settings_from_dict(raw, env={})
    assert "hunter2" not in str(ei.value) and "aHVudGVy" not in str(ei.value)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("crawl:\n  interval: [15m\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line \d+"):
        load_settings(p)


def test_cli_bad_config_exit_2_without_traceback(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("crawl:\n  interval: often\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--config", str(p)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "crawl.interval" in proc.stderr and "Traceback" not in proc.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--config", str(tmp_path / "nope.yaml")],
        capture_output=True, text=True, timeout=120,
    )
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_cli_unknown_profile_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'x.db'}\nsources:\n"
        "  - id: arbat\n    name: Управа района Арбат\n    url: http://127.0.0.1:9/presscenter/news/\n    profile: joomla\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--config", str(p)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unknown profile 'joomla'" in proc.stderr and "Traceback" not in proc.stderr
