"""Secrets never reach a log line: a :class:`logging.Filter` for every handler on the root logger.

Libraries log what they were given: httpx writes ``HTTP Request: POST <url>`` with the
webhook's path and query, Apprise writes service URLs with their tokens. Redacting in our
own messages is not enough, so :data:`REDACTOR` rewrites every record that reaches the root
handlers, whichever logger made it (``setup_logging`` installs it; the CLI registers the
loaded config with :func:`protect_settings`).

What is rewritten (see ``docs/security.md``):

* every registered secret string, and its URL-quoted forms: webhook secrets (with and without
  ``whsec_``), SMTP passwords, the password of ``database.url``, whole Apprise URLs and their
  token-like parts (path segments, query values, user, password, and the "host" of schemes
  whose host is a token);
* any URL whose host (and port) is a configured webhook or Apprise target: its user info,
  path and query become ``***`` (``http://hooks.example.org/***``);
* the user info of **any** URL (``scheme://user:password@`` → ``scheme://***@``).

The message, its arguments, string ``extra`` fields and the exception text are all rewritten
(the exception is formatted here and its traceback replaced by the redacted text).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

MASK = "***"
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@'\"<>]+@")
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
#: Path segments / query values shorter than this are not treated as tokens (``/hook``, ``chat=1``).
MIN_TOKEN = 8


class RedactingFilter(logging.Filter):
    """Rewrites secrets out of every record it sees (install on handlers); always lets the record through.

    Thread-safe: secrets may be registered while other threads log.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._hosts: set[str] = set()  # "host" or "host:port" of configured alert targets
        self._pattern: re.Pattern[str] | None = None

    # --- registration ------------------------------------------------------------

    def add_secret(self, value: str | None) -> None:
        """Mask ``value`` (and its URL-quoted forms) wherever it appears; strings under 4 characters are ignored."""
        if not value or len(value) < 4:
            return
        with self._lock:
            for form in {value, quote(value, safe=""), quote_plus(value), quote(value), unquote(value)}:
                if len(form) >= 4:
                    self._secrets.add(form)
            self._pattern = None

    def add_target_url(self, url: str | None, *, host_is_token: bool = False) -> None:
        """Register an alert target URL: its host's URLs lose user info, path and query; the whole
        URL and its token-like parts are secrets (``host_is_token``: the host itself is a token)."""
        if not url:
            return
        self.add_secret(url)
        try:
            u = urlsplit(url)
            host, port = (u.hostname or ""), u.port
        except ValueError:
            return
        if u.password:
            self.add_secret(u.password)
        if u.username and len(u.username) >= MIN_TOKEN:
            self.add_secret(u.username)
        rest = url.split("://", 1)[-1]
        if host_is_token:
            self.add_secret(rest.split("/", 1)[0].split("?", 1)[0])
        elif host:
            with self._lock:
                self._hosts.add(f"{host.lower()}:{port}" if port else host.lower())
        path_q = u.path + (f"?{u.query}" if u.query else "")
        if len(path_q) > 1:
            self.add_secret(path_q)
        for seg in u.path.split("/"):
            if len(seg) >= MIN_TOKEN:
                self.add_secret(seg)
        for _k, v in parse_qsl(u.query, keep_blank_values=True):
            if len(v) >= MIN_TOKEN:
                self.add_secret(v)

    def clear(self) -> None:
        """Forget every registered secret and host (tests)."""
        with self._lock:
            self._secrets.clear()
            self._hosts.clear()
            self._pattern = None

    # --- rewriting ---------------------------------------------------------------

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._secrets:
                alts = sorted(self._secrets, key=len, reverse=True)  # longest first
                self._pattern = re.compile("|".join(re.escape(s) for s in alts))
            return self._pattern

    def _target_url(self, m: re.Match[str]) -> str:
        url = m.group(0)
        try:
            u = urlsplit(url)
            host = (u.hostname or "").lower()
            hp = f"{host}:{u.port}" if u.port else host
        except ValueError:
            return url
        if host and (host in self._hosts or hp in self._hosts) and (u.path not in ("", "/") or u.query or "@" in u.netloc):
            netloc = u.netloc.rsplit("@", 1)[-1]
            return f"{u.scheme}://{netloc}/{MASK}"
        return url

    def redact(self, text: str) -> str:
        """``text`` with every registered secret, target URL path/query and URL user info masked."""
        if not text:
            return text
        if self._hosts and "://" in text:
            text = _URL.sub(self._target_url, text)
        pat = self._compiled()
        if pat is not None:
            text = pat.sub(MASK, text)
        if "@" in text and "://" in text:
            text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102 - logging hook
        try:
            msg = record.getMessage()
        except Exception:  # a bad format string: keep what we have
            msg = str(record.msg)
        record.msg, record.args = self.redact(msg), None
        for k, v in list(vars(record).items()):
            if k not in _RESERVED and isinstance(v, str):
                setattr(record, k, self.redact(v))
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = self.redact(text)
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


#: The process-wide filter; :func:`crawler.observe.setup_logging` installs it on the root handlers.
REDACTOR = RedactingFilter()


def protect_settings(settings: Any) -> None:
    """Register every secret of a loaded config with :data:`REDACTOR` (webhook URLs and secrets,
    SMTP passwords, Apprise URLs, the database password)."""
    a = settings.alerts
    for w in a.webhooks:
        REDACTOR.add_secret(w.secret)
        REDACTOR.add_secret(w.secret.removeprefix("whsec_"))
        REDACTOR.add_target_url(w.url)
    for e in settings.email_channels():
        REDACTOR.add_secret(e.password)
    from crawler.netpolicy import HOSTED_SCHEMES

    for ap in a.apprise:
        scheme = ap.url.split("://", 1)[0].lower() if "://" in ap.url else ""
        REDACTOR.add_target_url(ap.url, host_is_token=scheme not in HOSTED_SCHEMES)
    try:
        from sqlalchemy.engine import make_url

        REDACTOR.add_secret(make_url(settings.database.url).password)
    except Exception:
        pass


def install(handlers: Iterable[logging.Handler]) -> None:
    """Add :data:`REDACTOR` to each handler (idempotent)."""
    for h in handlers:
        if REDACTOR not in h.filters:
            h.addFilter(REDACTOR)
