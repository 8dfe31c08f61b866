"""Fixtures for the issue-11 security tests: the alert tests' store and clock."""

from tests.alert.conftest import clock, store  # noqa: F401 - re-exported fixtures
