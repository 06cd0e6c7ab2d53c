"""The store's part of a health check: the database answers, and this process holds its leases."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.health import Health
from bot.store.db import StoreUnavailable, reading
from bot.store.lease import SchedulerLease

log = logging.getLogger(__name__)


def store_health(engine: Engine, leases: Sequence[SchedulerLease]) -> Callable[[], Health]:
    """A check for `/healthz`: healthy while `SELECT 1` succeeds and every lease in `leases` is held.

    `leases` is read at every check, so a process that takes and gives up leases as it runs can hand
    in the collection it keeps them in.

    It asks each lease whether this process took it (`held`), not the server (`still_held` would run a
    query on the lease's own connection, which is not for sharing between threads); a lost PostgreSQL
    session shows as the database check failing. Bounded in time by the engine's connect timeout.
    """

    def check() -> Health:
        held = sum(1 for lease in leases if lease.held)
        try:
            with reading(engine) as conn:
                conn.execute(text("SELECT 1"))
        except (StoreUnavailable, SQLAlchemyError) as exc:
            log.warning("health: the database does not answer (%s)", exc.__class__.__name__)
            return Health(False, database=False, leases=held, detail="database unreachable")
        if held < len(leases):
            return Health(False, leases=held, detail=f"{len(leases) - held} lease(s) lost")
        return Health(True, leases=held)

    return check
