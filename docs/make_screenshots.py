"""Screenshots of the web interface for docs/web.md (docs/screenshots/*.png).

Crawls the simulated network into a temporary database (:mod:`crawler.web.demo_db`),
serves it with ``crawler.web`` on 127.0.0.1 and photographs the three pages with Debian's
Chromium driven by Playwright::

    .venv/bin/python docs/make_screenshots.py [--chromium /usr/bin/chromium] [--db existing.db]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import tempfile
import threading
from pathlib import Path

OUT = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=ru-RU"]


def serve(db: Path) -> tuple[str, asyncio.Event, threading.Thread, asyncio.AbstractEventLoop]:
    """Start ``crawler.web`` on an ephemeral loopback port in a thread; returns its base URL."""
    from crawler.config import ServerSettings
    from crawler.web.app import serve_web
    from storage import open_store

    store = open_store(f"sqlite:///{db}")
    ready = threading.Event()
    box: dict = {}

    def run() -> None:
        async def main() -> None:
            box["stop"] = asyncio.Event()
            box["loop"] = asyncio.get_running_loop()
            await serve_web(store, ServerSettings(host="127.0.0.1", port=0, web=True), stop=box["stop"],
                            bound=lambda h, p: (box.update(url=f"http://{h}:{p}"), ready.set()))
        asyncio.run(main())
        store.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    ready.wait(30)
    return box["url"], box["stop"], t, box["loop"]


def receiver() -> tuple[str, object]:
    """A webhook receiver on 127.0.0.1 that accepts everything (so the story page shows delivered alerts)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Accept(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Accept)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/hook", httpd


def main() -> None:
    """Build (or reuse) a crawled database, serve it, and write the three screenshots."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--db", type=Path, help="an existing database instead of a fresh simulator crawl")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from crawler.web.demo_db import build

    with tempfile.TemporaryDirectory() as tmp:
        hook, httpd = receiver()
        secret = "whsec_" + base64.b64encode(b"screenshots-secret-0123456789abcd").decode()
        db = args.db or build(Path(tmp) / "shots.db", sites=14, failing=2, webhook={"url": hook, "secret": secret, "name": "редакция"})
        httpd.shutdown()  # type: ignore[attr-defined]
        url, stop, thread, loop = serve(db)
        OUT.mkdir(exist_ok=True)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="ru-RU")
                page.goto(url + "/?min=2")
                page.screenshot(path=OUT / "releases.png")
                page.goto(url + "/?q=" + "школа")
                page.screenshot(path=OUT / "search.png")
                page.goto(url + "/?min=3")
                page.click("table.releases a.story >> nth=0")
                page.screenshot(path=OUT / "story.png", full_page=False)
                page.goto(url + "/sources")
                page.screenshot(path=OUT / "sources.png")
                browser.close()
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(10)
    for p in sorted(OUT.glob("*.png")):
        print(p)


if __name__ == "__main__":
    main()
