"""``mosnews web``: the read-only web interface and Atom feeds on their own (no daemon needed)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from crawler.cli.app import app
from crawler.cli.common import DEFAULT_CONFIG, EXIT_CONFIG, EXIT_DATABASE, ConfigOption, database, fail, get_settings
from crawler.errors import ConfigError, StorageError


@app.command()
def web(
    config: ConfigOption = DEFAULT_CONFIG,
    host: Annotated[str, typer.Option("--host", help="Bind address; a non-loopback one needs server.auth credentials.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port (0: any free port).")] = 8080,
) -> None:
    """Serve the read-only web interface and Atom feeds over the configured database (Ctrl-C stops)."""
    from crawler.config import host_is_loopback
    from crawler.observe import setup_logging
    from crawler.web.app import serve_web

    settings = get_settings(config)
    if not host_is_loopback(host) and settings.server.auth is None:
        fail(f"--host {host}: a non-loopback address needs server.auth (HTTP Basic username and password; "
             "see docs/web.md)", EXIT_CONFIG)
    server = settings.server.model_copy(update={"host": host, "port": port, "web": True})
    setup_logging(settings.logging)
    with database(settings, must_exist=True) as store:
        try:
            asyncio.run(serve_web(store, server))
        except ConfigError as exc:
            fail(str(exc), EXIT_CONFIG)
        except StorageError as exc:
            fail(str(exc), EXIT_DATABASE)
        except KeyboardInterrupt:
            pass
