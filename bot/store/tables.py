"""The store's tables, all on one `MetaData` so later features (questions, votes) add theirs beside them.

Every row carries a `webinar` key: one database can hold several webinars (or rehearsals of one).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones: it stores the naive UTC wall time, and we reattach UTC on the way out.
    Naive datetimes are refused: an instant without a zone is a bug waiting for daylight saving.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store needs aware (UTC) instants")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


WEBINAR = 200  # length of the webinar key columns

outbox = Table(
    "outbox",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("cue_id", String(500), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("audience", String(200), nullable=False),
    Column("planned_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("channel", String(64)),
    Column("ts", String(64)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("claimed_at", UtcDateTime()),
    Column("sent_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_outbox_webinar_planned", outbox.c.webinar, outbox.c.planned_at)

live_state = Table(
    "live_state",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("document", JSON, nullable=False),
    Column("version", Integer, nullable=False),
)

control_log = Table(
    "control_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webinar", String(WEBINAR), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("action", String(100), nullable=False),
    Column("detail", JSON, nullable=False),
)
Index("ix_control_log_webinar_id", control_log.c.webinar, control_log.c.id)

leases = Table(
    "leases",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("owner", Text, nullable=False),
    Column("token", String(64), nullable=False),
)

replicas = Table(
    "replicas",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", Text, nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
    Column("webinars", Integer, nullable=False, default=0),  # how many it runs the cues of
)

# -- questions ------------------------------------------------------------------------------------

webinars = Table(
    "webinars",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("title", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("date", String(10), nullable=False),
    Column("language", String(8), nullable=True),  # the report's language (added later: may be NULL)
)

sessions = Table(
    "sessions",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("session_key", String(300), primary_key=True),
    Column("number", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("item_title", Text, nullable=False),
)

threads = Table(
    "threads",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("session_key", String(300), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("ts", String(64), nullable=False),
)
Index("ix_threads_message", threads.c.webinar, threads.c.channel, threads.c.ts, unique=True)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webinar", String(WEBINAR), nullable=False),
    Column("dedupe_key", String(300), nullable=False),
    Column("session_key", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("author_id", String(64), nullable=False),  # kept for moderators even when anonymous
    Column("author_name", Text, nullable=False),
    Column("anonymous", Integer, nullable=False, default=0),
    Column("source", String(16), nullable=False),
    Column("origin_channel", String(64)),
    Column("origin_ts", String(64)),
    Column("copy_channel", String(64)),
    Column("copy_ts", String(64)),
    Column("asked_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("pinned_for", String(300)),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_questions_dedupe", questions.c.webinar, questions.c.dedupe_key, unique=True)
Index("ix_questions_origin", questions.c.webinar, questions.c.origin_channel, questions.c.origin_ts)
Index("ix_questions_copy", questions.c.webinar, questions.c.copy_channel, questions.c.copy_ts)
Index("ix_questions_session", questions.c.webinar, questions.c.session_key)

votes = Table(
    "votes",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("question_id", Integer, primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("voted_at", UtcDateTime(), nullable=False),
)

# The names of chat accounts, looked up from the platform after the fact: a question stored before its
# author's name was known shows the name as soon as it is (the views join this table).
names = Table(
    "names",
    metadata,
    Column("person", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Votes on a message the bot does not know as a question yet: a reaction on a copy can arrive before
# Slack's answer to the copy's post has told the bot the copy's ts. They join the question with the copy.
loose_votes = Table(
    "loose_votes",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("ts", String(64), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("voted_at", UtcDateTime(), nullable=False),
)

# -- people -------------------------------------------------------------------------------------

# Registrants, the personal data the bot keeps: shown only to moderators and in the export, removed
# by `/webinar forget` (the row keeps its random key and mode, so counts and cue ids stay whole).
registrants = Table(
    "registrants",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("email", String(254)),
    Column("person", String(200)),
    Column("name", Text, nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("organisation", Text, nullable=False, default=""),
    Column("phone", String(40), nullable=False, default=""),
    Column("mode", String(16), nullable=False),
    Column("language", String(8)),
    Column("timezone", String(64)),
    Column("source", String(16), nullable=False),
    Column("registered_at", UtcDateTime(), nullable=False),
    Column("confirmed_at", UtcDateTime()),
    Column("checked_in_at", UtcDateTime()),
    Column("cancelled_at", UtcDateTime()),
    Column("forgotten_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("matrix", String(200)),
)
Index("ix_registrants_email", registrants.c.webinar, registrants.c.email)
Index("ix_registrants_person", registrants.c.webinar, registrants.c.person)
Index("ix_registrants_matrix", registrants.c.webinar, registrants.c.matrix)

# A registrant's "my connection doesn't meet the requirements", and what the moderators did about it.
connection_requests = Table(
    "connection_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webinar", String(WEBINAR), nullable=False),
    Column("registrant", String(40)),
    Column("person", String(200), nullable=False),
    Column("missing", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("handled_by", String(200)),
    Column("channel", String(64)),
    Column("ts", String(64)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_connection_requests_webinar", connection_requests.c.webinar, connection_requests.c.status)

# What speakers said: confirmed or declined in chat, and checked in on the day.
# How many times each webinar's people changed (a registration, a cancellation, a speaker's answer),
# bumped in the same transaction as the change: replicas compare one number per webinar on every pass
# instead of reading every registrant of every webinar to see whether anything moved.
people_versions = Table(
    "people_versions",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("version", Integer, nullable=False),
)

speaker_answers = Table(
    "speaker_answers",
    metadata,
    Column("webinar", String(WEBINAR), primary_key=True),
    Column("speaker", String(200), primary_key=True),
    Column("answer", String(16)),  # "confirmed", "declined" or None
    Column("answered_at", UtcDateTime()),
    Column("checked_in_at", UtcDateTime()),
)

# -- platforms ----------------------------------------------------------------------------------

# Where a Matrix account's sync stopped (`next_batch`), saved after the events before it were handed
# to the bot: a restart resumes there, so nothing seen before is processed twice and nothing is missed.
sync_positions = Table(
    "sync_positions",
    metadata,
    Column("account", String(255), primary_key=True),
    Column("position", Text, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# The reactions a Matrix account saw, by their event id: a redaction names only the reaction's own event,
# so this is how a vote taken back after a restart is still known as that person's vote on that message.
seen_reactions = Table(
    "seen_reactions",
    metadata,
    Column("account", String(255), primary_key=True),
    Column("event_id", String(255), primary_key=True),
    Column("room", String(255), nullable=False),
    Column("target", String(255), nullable=False),
    Column("person", String(255), nullable=False),
    Column("emoji", String(64), nullable=False),
)
