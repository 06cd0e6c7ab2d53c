"""The question store on SQLite and PostgreSQL: stored once, votes once per person, early votes kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import create_schema, make_engine
from bot.store.questions import NewQuestion, QuestionStatus, QuestionStore

T0 = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


def new(
    key: str, text: str = "Why?", author: str = "U1", at: datetime = T0, session: str = "s1"
) -> NewQuestion:
    return NewQuestion(key, session, text, author, "Ana", False, "channel", at, "C1", key.split(":")[-1])


def store_on(url: str) -> QuestionStore:
    engine = make_engine(url)
    create_schema(engine)
    return QuestionStore(engine, "webinar-2018-10-23")


def test_the_same_question_delivered_twice_is_stored_once(store_url: str) -> None:
    store = store_on(store_url)
    first, created = store.add(new("msg:C1:1.1"))
    again, created_again = store.add(new("msg:C1:1.1"))
    assert created and not created_again and first.id == again.id
    assert len(store.all()) == 1


def test_one_vote_per_person_and_removable(store_url: str) -> None:
    store = store_on(store_url)
    question, _ = store.add(new("msg:C1:1.1"))
    assert store.vote(question.id, "U2", T0) is True
    assert store.vote(question.id, "U2", T0) is False
    assert store.vote(question.id, "U3", T0) is True
    assert store.unvote(question.id, "U3") is True
    assert store.get(question.id).votes == 1  # type: ignore[union-attr]


def test_ranking_by_votes_then_age_with_pinned_first(store_url: str) -> None:
    store = store_on(store_url)
    old, _ = store.add(new("msg:C1:1.1", "old", at=T0))
    store.add(new("msg:C1:1.2", "young", at=T0 + timedelta(minutes=1)))
    popular, _ = store.add(new("msg:C1:1.3", "popular", at=T0 + timedelta(minutes=2)))
    pinned, _ = store.add(new("msg:C1:1.4", "pinned here", session="s0"))
    store.vote(popular.id, "U9", T0)
    store.pin(pinned.id, "s1", T0)
    assert [q.text for q in store.ranked("s1")] == ["pinned here", "popular", "old", "young"]
    store.set_status(old.id, QuestionStatus.HIDDEN, T0)
    assert "old" not in [q.text for q in store.ranked("s1")]
    assert "old" in [q.text for q in store.ranked("s1", include_hidden=True)]


def test_votes_that_reach_a_copy_before_its_ts_is_known_are_kept(store_url: str) -> None:
    store = store_on(store_url)
    question, _ = store.add(new("ask:trigger-1", author="U1"))
    store.vote_on_unknown("C9", "9.9", "U2", True, T0)
    store.vote_on_unknown("C9", "9.9", "U1", True, T0)  # the author's own: will not count
    store.vote_on_unknown("C9", "9.9", "U3", True, T0)
    store.vote_on_unknown("C9", "9.9", "U3", False, T0)  # taken back before the copy was known
    copied = store.set_copy(question.id, "C9", "9.9", T0)
    assert copied is not None and copied.votes == 1


def test_threads_map_both_ways(store_url: str) -> None:
    store = store_on(store_url)
    store.set_thread("s1", "C1", "5.5")
    assert store.thread_for("s1") == ("C1", "5.5")
    assert store.session_of_thread("C1", "5.5") == "s1"
    assert store.session_of_thread("C1", "6.6") is None
