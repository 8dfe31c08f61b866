"""Prometheus metrics (prometheus_client), in one registry served at ``/metrics`` by the daemon.

Every stage increments these; nothing else about metrics lives in the stages.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

#: HTTP fetches by outcome: ``status`` is the HTTP code, ``304``, or ``error`` (transport failure).
FETCHES = Counter("mosnews_fetches", "HTTP fetches by status", ["status"], registry=REGISTRY)
#: Bytes of response bodies received.
FETCH_BYTES = Counter("mosnews_fetch_bytes", "Response body bytes received", registry=REGISTRY)
#: Pages that failed to parse, by page kind (``list`` or ``detail``).
PARSE_FAILURES = Counter("mosnews_parse_failures", "Pages that yielded nothing usable", ["kind"], registry=REGISTRY)
#: List items and pages given up as malformed: ``what`` is ``item`` (one entry of a list page:
#: a link that is no URL, an item whose extraction failed), ``list`` or ``detail`` (a whole page
#: refused by the hostile-page limits); ``reason`` is ``url``, ``error``, ``bytes``, ``nodes``,
#: ``depth``, ``timeout``, ``memory`` or ``worker`` (see docs/security.md, "Hostile pages").
PARSE_REJECTED = Counter("mosnews_parse_rejected", "Malformed list items and pages given up", ["what", "reason"], registry=REGISTRY)
#: Seconds one page took to decode and parse in a parse worker, by page kind.
PARSE_SECONDS = Histogram(
    "mosnews_parse_seconds",
    "Decode and parse time of one page",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20),
    registry=REGISTRY,
)
#: Articles stored, by outcome (``new``, ``updated``).
ARTICLES = Counter("mosnews_articles", "Articles stored", ["status"], registry=REGISTRY)
#: Stories created.
STORIES = Counter("mosnews_stories_created", "Stories created", registry=REGISTRY)
#: Lone articles moved into a story that grew later (``Detector.revisit``); each removes one story.
LATE_ATTACHED = Counter("mosnews_late_attached", "Lone articles attached to a story late", registry=REGISTRY)
#: Articles whose story changed when out-of-order days were replayed in publication order.
SETTLED = Counter("mosnews_settled_moves", "Articles re-assigned when days that arrived out of order were settled", registry=REGISTRY)
#: Alert deliveries by channel kind and outcome (``sent``, ``failed``, ``dead``).
ALERTS = Counter("mosnews_alerts", "Alert deliveries", ["channel", "outcome"], registry=REGISTRY)
#: Duration of one source's crawl job, seconds.
JOB_DURATION = Histogram(
    "mosnews_job_duration_seconds",
    "Duration of one source crawl",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)
#: Source crawls by result (``ok``, ``failed``).
CRAWLS = Counter("mosnews_crawls", "Source crawls", ["result"], registry=REGISTRY)
#: Alert deliveries waiting (pending) in the outbox, refreshed by the dispatcher.
OUTBOX_BACKLOG = Gauge("mosnews_outbox_backlog", "Pending alert deliveries", registry=REGISTRY)
#: URLs refused by the address policy before connecting: ``where`` is ``fetch`` or ``alert``,
#: ``reason`` ``origin`` (another origin), ``numeric`` (numeric-encoded host), ``private`` (a
#: private, loopback, link-local, CGNAT, multicast, IPv4-mapped or reserved address), ``unresolved``.
REFUSED = Counter("mosnews_refused_urls", "URLs refused by the address policy before connecting", ["where", "reason"], registry=REGISTRY)
#: Background tasks of the daemon (``alerts``, ``http``) that died and were restarted.
TASK_RESTARTS = Counter("mosnews_task_restarts", "Daemon background tasks restarted after dying", ["task"], registry=REGISTRY)
