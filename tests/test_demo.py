"""`mosnews demo` as a newcomer runs it: simulated network, webhook receiver, daemon, summary."""

from __future__ import annotations

import re
import subprocess
import sys


def test_demo_runs_and_reports() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--duration", "15", "--sites", "6", "--speed", "1"],
        capture_output=True, text=True, timeout=240,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "summary" in out and "Traceback" not in out + proc.stderr
    crawled = re.search(r"sources crawled:\s+(\d+) of (\d+)", out)
    articles = re.search(r"articles:\s+(\d+)", out)
    stories = re.search(r"stories:\s+(\d+)", out)
    alerts = re.search(r"alerts delivered:\s+(\d+) \(signatures verified; 0 rejected\)", out)
    assert crawled and crawled.group(1) == crawled.group(2) == "6"
    assert articles and int(articles.group(1)) > 0
    assert stories and 0 < int(stories.group(1)) <= int(articles.group(1))
    assert alerts is not None
