"""The Matrix adapter built from settings (MATRIX_HOMESERVER, MATRIX_USER_ID, and MATRIX_ACCESS_TOKEN
or MATRIX_PASSWORD), for the composition root: it is handed the store, where the adapter keeps its
sync position."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from bot.chat.port import ChatPort
from bot.clock import Clock
from bot.config import Settings
from bot.matrix.adapter import MatrixChat
from bot.store.sync_position import SyncPositionStore

MISSING = (
    "Matrix needs MATRIX_HOMESERVER (https://matrix.example.org), MATRIX_USER_ID (@bot:example.org) and "
    "MATRIX_ACCESS_TOKEN or MATRIX_PASSWORD, from the environment or .env"
)


def matrix_platform(settings: Settings, clock: Clock) -> Callable[[Engine], ChatPort]:
    """What `launch` calls to build the Matrix adapter; ValueError (saying what is missing) first."""
    if not settings.has_matrix_credentials:
        raise ValueError(MISSING)

    def build(engine: Engine) -> ChatPort:
        return MatrixChat(
            settings.matrix_homeserver,
            settings.matrix_user_id,
            clock,
            access_token=settings.matrix_access_token,
            password=settings.matrix_password,
            positions=SyncPositionStore(engine),
        )

    return build
