"""Shared constants of the detector tests."""

from zoneinfo import ZoneInfo

#: Moscow time (UTC+3 all year since 2014): every fixture's publication time is in it.
MSK = ZoneInfo("Europe/Moscow")
