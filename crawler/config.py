"""Configuration: ``config.yaml`` validated by pydantic.

Priority (lowest to highest): model defaults < ``config.yaml`` < ``${ENV_VAR}``
interpolation inside it < command-line flags (applied by the CLI).

Every stage reads only its own sub-model: ``settings.fetch``, ``settings.crawl``,
``settings.dedup``, ``settings.alerts``, ``settings.server``, ``settings.logging``.
Every key is documented in ``docs/config.md``.

Errors: :func:`load_settings` raises :class:`~crawler.errors.ConfigError` with
one message naming the key path and the problem; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from crawler.errors import ConfigError
from crawler.safeyaml import LimitError, load_config_yaml

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(value: Any) -> timedelta:
    """Parse ``"15m"``, ``"90s"``, ``"2h"``, ``"1d"``, ``"500ms"``, ISO 8601 (``"PT15M"``) or seconds into a timedelta.

    Raises:
        ValueError: on anything else (the message shows the accepted forms).
    """
    if isinstance(value, timedelta):
        return _bounded(value)
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _bounded(timedelta(seconds=float(value)))
        if isinstance(value, str):
            m = _DURATION_RE.match(value)
            if m:
                return _bounded(timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)]))
            if value.strip().upper().startswith("P"):  # ISO 8601, e.g. PT15M
                try:
                    return _bounded(TypeAdapter(timedelta).validate_python(value.strip()))
                except ValidationError:
                    pass
    except OverflowError:
        raise ValueError(f"duration {str(value)[:40]!r} is too long (at most {MAX_DURATION.days} days)") from None
    raise ValueError(f"expected a duration like 90s, 15m, 2h or 1d, got {str(value)[:80]!r}")


#: Longest duration accepted anywhere in the config (larger values overflow date arithmetic).
MAX_DURATION = timedelta(days=3650)
#: Shortest poll interval (``crawl.interval``, ``sources[].interval``): 0 would poll in a loop.
MIN_INTERVAL = timedelta(seconds=1)


def _bounded(td: timedelta) -> timedelta:
    if td < timedelta(0):
        raise ValueError("a duration cannot be negative")
    if td > MAX_DURATION:
        raise ValueError(f"duration is too long (at most {MAX_DURATION.days} days)")
    return td


def _interval_floor(td: timedelta | None) -> timedelta | None:
    if td is not None and td < MIN_INTERVAL:
        raise ValueError(f"too short: at least {MIN_INTERVAL.total_seconds():g}s (0 would poll in a loop)")
    return td


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DatabaseSettings(_Model):
    """Where articles and stories live."""

    #: Any SQLAlchemy URL; relative SQLite paths are relative to the working directory.
    url: str = "sqlite:///mosnews.db"

    @field_validator("url")
    @classmethod
    def _parseable(cls, v: str) -> str:
        return check_database_url(v)


def check_database_url(url: str) -> str:
    """Return ``url`` if SQLAlchemy can parse it and its host is plausible.

    Raises:
        ValueError: with a message that never contains the URL (it may hold a password).
    """
    from sqlalchemy.engine import make_url

    hint = "expected scheme://user:password@host/db; write @ : / % in the password as %40 %3A %2F %25 (the value is not shown)"
    try:
        u = make_url(url)
    except Exception:
        raise ValueError(f"not a database URL: {hint}") from None
    if u.host is not None and ("@" in u.host or "/" in u.host):
        raise ValueError(f"the host part contains '@': an unescaped '@' in the password? {hint}")
    try:
        u.port  # noqa: B018 - parse check
    except ValueError:
        raise ValueError(f"the port is not a number: {hint}") from None
    return url


class FetchSettings(_Model):
    """HTTP politeness and robustness (httpx)."""

    user_agent: str = "mosnews/0.1 (+https://github.com/mosnews/mosnews; news monitoring)"
    #: Requests in flight over all hosts.
    max_connections: int = Field(32, ge=1)
    #: Requests in flight to one host.
    per_host: int = Field(2, ge=1)
    #: Minimum delay between two requests to one host.
    delay: Duration = timedelta(milliseconds=250)
    connect_timeout: Duration = timedelta(seconds=10)
    read_timeout: Duration = timedelta(seconds=20)
    #: Whole-request deadline, body included (guards against servers that drip bytes).
    total_timeout: Duration = timedelta(seconds=60)
    #: Bodies larger than this (bytes) are refused.
    max_bytes: int = Field(5_000_000, ge=1024)
    max_redirects: int = Field(5, ge=0)
    #: Attempts per request (first try included) before the failure is recorded.
    retries: int = Field(3, ge=1)
    #: Base of the exponential backoff between attempts.
    backoff: Duration = timedelta(seconds=1)
    #: Longest wait between two attempts (also caps ``Retry-After``).
    max_backoff: Duration = timedelta(seconds=60)
    respect_robots: bool = True


class CrawlSettings(_Model):
    """How often and how far back sources are crawled."""

    #: Poll interval per source (each source gets its own jitter); at least :data:`MIN_INTERVAL`.
    interval: Annotated[Duration, AfterValidator(_interval_floor)] = timedelta(minutes=15)
    #: Random delay added to each poll, up to this fraction of the interval.
    jitter: float = Field(0.2, ge=0, le=1)
    #: How far back a source's first crawl follows pagination.
    since: date = date(2025, 1, 1)
    #: Safety cap on list pages followed in one crawl of one source.
    max_pages: int = Field(50, ge=1)
    #: Sources crawled at once by ``mosnews crawl``.
    concurrency: int = Field(8, ge=1)
    #: A source that yielded nothing on this many consecutive successful crawls of non-empty pages is flagged.
    markup_change_after: int = Field(3, ge=1)
    #: A detail page that failed to download is retried on later crawls for this long, then given up.
    detail_retry_for: Duration = timedelta(days=2)
    #: First wait before a failed detail page is tried again; doubles per failure, at most 6 h.
    detail_backoff: Duration = timedelta(minutes=5)
    #: ``mosnews run``: after SIGTERM/SIGINT, running crawls may finish for this long, then they are cancelled.
    shutdown_grace: Duration = timedelta(seconds=20)


class SelectorProfile(_Model):
    """CSS selectors for one markup family (selectolax). Unset selectors fall back to the next layer."""

    list_item: str | None = None
    list_link: str | None = None
    list_date: str | None = None
    list_lead: str | None = None
    pager: str | None = None
    title: str | None = None
    date: str | None = None
    lead: str | None = None
    body: str | None = None
    images: str | None = None
    tags: str | None = None
    #: Selectors removed from the body before text extraction.
    drop: list[str] = Field(default_factory=list)


class SourceSettings(_Model):
    """One press centre."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    okrug: str = ""
    kind: Literal["uprava", "prefecture", "other", "mayor"] = "uprava"
    url: str
    enabled: bool = True
    # --- originals (issue 12): ``kind: mayor`` sources (docs/originals.md) ---
    #: ``kind: mayor`` only: the JSON news API base (``…/api/newsfeed/v4/frontend/json/ru/``) that
    #: gives an item's full text by id; ``url`` is then the RSS/Atom feed (either may work alone).
    api: str | None = None
    #: ``kind: mayor`` only: the API collection path under ``api`` (``press/news``).
    api_collection: str = "press/news"
    #: ``kind: mayor`` only: items per API page (the portal allows at most 50).
    api_per_page: int = Field(50, ge=1, le=50)
    # --- end originals ---
    #: Overrides ``crawl.interval`` for this source.
    interval: Annotated[Duration | None, AfterValidator(_interval_floor)] = None
    #: Forces the page charset (e.g. ``windows-1251``) instead of header/meta/detection.
    encoding: str | None = None
    #: Name of a profile in ``profiles`` tried first, or inline selectors.
    profile: str | None = None
    selectors: SelectorProfile | None = None
    #: Other origins (``scheme://host[:port]``) this source may fetch from besides its own URL's.
    origins: list[str] = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+/", v):
            raise ValueError(f"expected an http(s) URL ending in a path, got {v!r}")
        return v

    @field_validator("origins")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        for o in v:
            if not re.fullmatch(r"https?://[^/\s?#@]+/?", o):
                raise ValueError(f"expected an origin like https://host or http://host:8080 (no path), got {o!r}")
        return [o.rstrip("/") for o in v]

    @field_validator("api")
    @classmethod
    def _api_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+/", v):
            raise ValueError(f"expected an http(s) URL ending in a path, got {v!r}")
        return v if v is None or v.endswith("/") else v + "/"

    @model_validator(mode="after")
    def _api_only_for_mayor(self) -> SourceSettings:
        if self.api is not None and self.kind != "mayor":
            raise ValueError("api is only for sources of kind: mayor")
        return self

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, v: str | None) -> str | None:
        if v is not None:
            import codecs

            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"unknown encoding {v!r}") from None
        return v


class DedupSettings(_Model):
    """Syndication detection (see docs/dedup.md)."""

    #: Articles published further apart than this are never one story.
    window: Duration = timedelta(days=3)
    #: Probability above which an article joins a story.
    threshold: float = Field(0.5, ge=0, le=1)
    #: The same for an article or story whose publication time is not known to within the
    #: window (undated, or only a year/month): only strong evidence joins across unknown time.
    undated_threshold: float = Field(0.8, ge=0, le=1)
    #: Articles kept in RAM as candidates; older days are paged out and back in from the
    #: store when an article of that time arrives (each hot article costs ~10 KB).
    hot_articles: int = Field(20_000, ge=1)
    #: Use the bundled multilingual sentence encoder (slower, catches heavy rewrites).
    encoder: bool = True
    #: Threads for the encoder (no more than the cores).
    encoder_threads: int = Field(2, ge=1)
    #: The daemon unloads the encoder after this long without new articles (it reloads in about
    #: a second when articles arrive); 0 keeps it loaded.
    encoder_idle: Duration = timedelta(minutes=10)


def _check_filters(v: dict[str, Any]) -> dict[str, Any]:
    """Compile a channel's ``filters`` now, so a bad regex stops the config load (exit 2)."""
    from crawler.alert.filters import compile_filters  # lazy: crawler.alert imports this module

    try:
        compile_filters(v)
    except ConfigError as exc:
        raise ValueError(str(exc).removeprefix("filters: ").removeprefix("filters.")) from None
    return v


Filters = Annotated[dict[str, Any], AfterValidator(_check_filters)]


class WebhookChannel(_Model):
    """A Standard Webhooks receiver."""

    name: str | None = None
    url: str
    #: Standard Webhooks secret (``whsec_`` + base64 of 24–64 random bytes).
    secret: str

    @field_validator("secret")
    @classmethod
    def _whsec(cls, v: str) -> str:
        import base64
        import binascii

        if not v.startswith("whsec_"):
            raise ValueError("expected a Standard Webhooks secret starting with whsec_ (the value is not shown)")
        try:
            raw = base64.b64decode(v.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the part after whsec_ is not valid base64 (the value is not shown)") from None
        if len(raw) < 16:
            raise ValueError("the secret is too short: use at least 16 random bytes (the value is not shown)")
        return v
    timeout: Duration = timedelta(seconds=10)
    filters: Filters = Field(default_factory=dict)
    digest: Duration | None = None
    updates: Duration | None = None


class EmailChannel(_Model):
    """An SMTP mailbox."""

    name: str | None = None
    host: str
    port: int = 587
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    from_: str = Field(alias="from")
    to: list[str]
    timeout: Duration = timedelta(seconds=30)
    filters: Filters = Field(default_factory=dict)
    digest: Duration | None = None
    updates: Duration | None = None
    #: PEM file of CA certificates to trust for this server's TLS (default: the system store).
    ca_file: str | None = None

    @model_validator(mode="after")
    def _tls_modes(self) -> EmailChannel:
        if self.starttls and self.ssl:
            raise ValueError("choose one of starttls (port 587) or ssl (port 465), not both")
        if self.port == 465 and not self.ssl:
            raise ValueError("port 465 expects implicit TLS: set ssl: true")
        return self


class AppriseChannel(_Model):
    """Any channel Apprise knows (Telegram, Slack, …), by URL."""

    name: str | None = None
    url: str
    filters: Filters = Field(default_factory=dict)
    digest: Duration | None = None
    updates: Duration | None = None
    #: Deadline for one notification through Apprise.
    timeout: Duration = timedelta(seconds=30)


class OperatorAlertSettings(_Model):
    """Alerts about mosnews itself (sent through the same channels as ``source.failing`` events)."""

    enabled: bool = True
    #: A source failing for this long raises an operator alert (once per failure episode).
    failing_after: Duration = timedelta(hours=6)
    #: A source whose crawls succeed but yield no new items for this long is reported as silent.
    silent_after: Duration = timedelta(days=7)


class AlertSettings(_Model):
    """Alerts on new releases (see docs/alerts.md)."""

    first_run: Literal["skip", "send"] = "skip"
    settle: Duration = timedelta(minutes=10)
    webhooks: list[WebhookChannel] = Field(default_factory=list)
    email: EmailChannel | list[EmailChannel] | None = None
    apprise: list[AppriseChannel] = Field(default_factory=list)
    #: Give up (dead-letter) after retrying this long.
    retry_for: Duration = timedelta(hours=24)
    #: How often the daemon's dispatcher looks for due alerts.
    dispatch_every: Duration = timedelta(seconds=5)
    #: First retry delay; doubles per attempt (with jitter) up to ``max_backoff``.
    backoff: Duration = timedelta(seconds=30)
    #: Longest delay between two attempts (a receiver's ``Retry-After`` may ask for more, up to 6 h).
    max_backoff: Duration = timedelta(hours=1)
    #: A claimed delivery is re-tried by any dispatcher after its channel timeout plus this margin
    #: (covers a process killed mid-send).
    lease: Duration = timedelta(seconds=60)
    #: Deliveries sent at once by one dispatcher.
    concurrency: int = Field(4, ge=1)
    #: Allow webhook/Apprise targets on private, loopback or link-local addresses (an internal receiver).
    allow_private_targets: bool = False
    #: ``mosnews crawl`` keeps delivering after the crawl until nothing is left that becomes due
    #: within this time (stories settling, retries), then exits and says what it left and why.
    crawl_wait: Duration = timedelta(minutes=15)
    operator: OperatorAlertSettings = Field(default_factory=OperatorAlertSettings)
    # --- originals (issue 12) ---
    #: A new story with no Mayor's original yet waits up to this long (after ``settle``) for the
    #: original to arrive, so its first alert carries it; only while a ``kind: mayor`` source is enabled.
    wait_for_original: Duration = timedelta(minutes=5)
    # --- end originals ---


# --- web interface (issue 13) ---------------------------------------------------------


class WebAuthSettings(_Model):
    """HTTP Basic credentials for the read-only web interface (required off loopback)."""

    username: str = Field(min_length=1)
    password: str = Field(min_length=1)


class ServerSettings(_Model):
    """The daemon's /healthz and /metrics endpoint (and, with ``web: true``, the web interface)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(9464, ge=0, le=65535)
    #: Serve the read-only web interface and Atom feeds (``crawler.web``) beside /healthz and /metrics.
    web: bool = False
    #: HTTP Basic credentials for the web interface; required when ``host`` is not a loopback address.
    auth: WebAuthSettings | None = None

    @model_validator(mode="after")
    def _web_off_loopback_needs_auth(self) -> ServerSettings:
        if self.web and self.auth is None and not host_is_loopback(self.host):
            raise ValueError(
                f"server.web on the non-loopback address {self.host!r} needs server.auth "
                "(username and password for HTTP Basic; put a TLS reverse proxy in front, see docs/web.md)"
            )
        return self


def host_is_loopback(host: str) -> bool:
    """True for ``localhost`` and 127.0.0.0/8 / ``::1`` addresses."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoggingSettings(_Model):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class Settings(_Model):
    """The whole configuration file."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    #: Named selector profiles; ``bitrix`` is built in.
    profiles: dict[str, SelectorProfile] = Field(default_factory=dict)
    sources: list[SourceSettings] = Field(default_factory=list)
    dedup: DedupSettings = Field(default_factory=DedupSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @model_validator(mode="after")
    def _unique_ids(self) -> Settings:
        seen: set[str] = set()
        for s in self.sources:
            if s.id in seen:
                raise ValueError(f"source id {s.id!r} appears twice")
            seen.add(s.id)
        return self

    def enabled_sources(self, only: list[str] | None = None) -> list[SourceSettings]:
        """Enabled sources, optionally restricted to the given ids.

        Raises:
            ConfigError: when ``only`` names an unknown source id.
        """
        by_id = {s.id: s for s in self.sources}
        if only:
            unknown = [i for i in only if i not in by_id]
            if unknown:
                raise ConfigError(f"sources: unknown source id(s): {', '.join(unknown)}")
            return [by_id[i] for i in only]
        return [s for s in self.sources if s.enabled]

    def source_interval(self, source: SourceSettings) -> timedelta:
        return source.interval or self.crawl.interval

    def email_channels(self) -> list[EmailChannel]:
        e = self.alerts.email
        if e is None:
            return []
        return e if isinstance(e, list) else [e]


_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _interpolate(node: Any, path: str, env: dict[str, str]) -> Any:
    if isinstance(node, str):

        def repl(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(f"{path}: environment variable {name} is not set")

        return _ENV_RE.sub(repl, node)
    if isinstance(node, dict):
        return {k: _interpolate(v, f"{path}.{k}" if path else str(k), env) for k, v in node.items()}
    if isinstance(node, list):
        return [_interpolate(v, f"{path}[{i}]", env) for i, v in enumerate(node)]
    return node


def _key_path(loc: tuple[Any, ...], raw: Any) -> str:
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            label = ""
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict) and "id" in node[item]:
                label = f"={node[item]['id']}"
            parts.append(f"[{item}{label}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def settings_from_dict(raw: Any, *, env: dict[str, str] | None = None, origin: str = "config") -> Settings:
    """Validate a parsed YAML mapping into :class:`Settings`.

    Raises:
        ConfigError: naming the first bad key path (``sources[3=arbat].url``) and the problem.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: expected a mapping at the top level, got {type(raw).__name__}")
    try:
        raw = _interpolate(raw, "", dict(os.environ) if env is None else env)
    except ConfigError as exc:  # name the file too: "config.yaml: alerts.webhooks[0].secret: …"
        raise ConfigError(f"{origin}: {exc}") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors()[:5]:
            loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (see docs/config.md)"
            msgs.append(f"{_key_path(loc, raw)}: {msg}")
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise ConfigError(f"{origin}: " + "; ".join(msgs) + more) from None


def load_settings(path: str | Path, *, env: dict[str, str] | None = None) -> Settings:
    """Read and validate a YAML config file.

    Raises:
        ConfigError: file missing or unreadable, YAML syntax error (with line), or invalid keys.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read config file: {exc}") from None
    try:
        raw = load_config_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        kind = "YAML refused" if isinstance(exc, LimitError) else "YAML syntax error"
        raise ConfigError(f"{p}: {kind}{where}: {problem}") from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a constructor PyYAML does not guard
        raise ConfigError(f"{p}: cannot read YAML: {type(exc).__name__}") from None
    return settings_from_dict(raw, env=env, origin=str(p))


def now_utc() -> datetime:
    """The current time, UTC-aware (the one clock seam; tests may monkeypatch it)."""
    from datetime import timezone

    return datetime.now(timezone.utc)
