"""Persistence: the outbox of cues, the live state, the control log and the scheduler lease.

Plain SQLAlchemy Core on SQLite (a file by default) or PostgreSQL. Time is always passed in.
"""

from bot.store.control_log import ControlEntry, ControlLog
from bot.store.db import DEFAULT_URL, StoreUnavailable, create_schema, make_engine, safe_url, transaction
from bot.store.lease import LeaseRefused, SchedulerLease, describe_owner
from bot.store.live_state import LiveStateStore, StaleState
from bot.store.outbox import Outbox, OutboxEntry, OutboxStatus, PlannedCue, SyncResult
from bot.store.tables import metadata

__all__ = [
    "DEFAULT_URL",
    "ControlEntry",
    "ControlLog",
    "LeaseRefused",
    "LiveStateStore",
    "Outbox",
    "OutboxEntry",
    "OutboxStatus",
    "PlannedCue",
    "SchedulerLease",
    "StaleState",
    "StoreUnavailable",
    "SyncResult",
    "create_schema",
    "describe_owner",
    "make_engine",
    "metadata",
    "safe_url",
    "transaction",
]
