"""Fixtures for the simulator tests: one network of 8 sites (all four families) served from a thread."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from crawler.sim import MSK, SimNetwork

START = datetime(2026, 3, 2, 10, 0, tzinfo=MSK)


def make_net(**kw) -> SimNetwork:
    """The standard small network used by the tests."""
    kw.setdefault("sites", 8)
    kw.setdefault("seed", 7)
    kw.setdefault("start", START)
    return SimNetwork(**kw)


@pytest.fixture(name="make_net")
def make_net_fixture():
    """Factory fixture: :func:`make_net`."""
    return make_net


@pytest.fixture(name="site_of")
def site_of_fixture():
    """Fixture giving :func:`site_of`."""
    return site_of


@pytest.fixture(name="START")
def start_fixture():
    """The standard start time."""
    return START


@pytest.fixture(scope="module")
def served():
    """``(net, handle)``: a small network served from a background thread for the whole module."""
    net = make_net()
    handle = net.start_in_thread()
    try:
        yield net, handle
    finally:
        handle.stop()


@pytest.fixture()
def client():
    """A plain httpx client (no env proxies, no redirects followed)."""
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


def site_of(net: SimNetwork, family: str) -> str:
    """Id of the first site rendered with ``family``."""
    return next(s.id for s in net.sites if net.family(s.id) == family)
