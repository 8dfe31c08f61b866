"""Alerting on new stories through a durable outbox (see docs/alerts.md).

Public face: :class:`Dispatcher` (``dispatch_due``, ``run_forever``, ``send_test``) and
:class:`DispatchReport`. Queries live in :mod:`storage.outbox`.
"""

from __future__ import annotations

from crawler.alert.dispatcher import Dispatcher, DispatchReport

__all__ = ["DispatchReport", "Dispatcher"]
