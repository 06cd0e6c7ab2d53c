"""The question store on SQLite and PostgreSQL: stored once, votes once per person, early votes kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.chat.port import MessageRef
from bot.questions.model import NewQuestion, QuestionStatus
from bot.store import create_schema, make_engine
from bot.store.names import NameStore
from bot.store.questions import QuestionStore

T0 = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


def new(
    key: str, text: str = "Why?", author: str = "U1", at: datetime = T0, session: str = "s1"
) -> NewQuestion:
    return NewQuestion(key, session, text, author, False, "channel", at, MessageRef("C1", key.split(":")[-1]))


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
    copy = MessageRef("C9", "9.9")
    store.vote_on_unknown(copy, "U2", True, T0)
    store.vote_on_unknown(copy, "U1", True, T0)  # the author's own: will not count
    store.vote_on_unknown(copy, "U3", True, T0)
    store.vote_on_unknown(copy, "U3", False, T0)  # taken back before the copy was known
    copied = store.set_copy(question.id, copy, T0)
    assert copied is not None and copied.votes == 1


def test_a_vote_racing_the_copys_ref_is_never_lost(store_url: str) -> None:
    """The interleaving that lost a vote in the burst benchmark: the vote's handler looks the message
    up (not a question yet), the copy's ref is recorded (no loose votes yet), then the handler keeps
    the vote as loose. Whichever side writes second must see the other's write."""
    store = store_on(store_url)
    question, _ = store.add(new("ask:t1", author="U1"))
    copy = MessageRef("C9", "9.9")
    assert store.by_message(copy) is None  # the handler: not a known question
    store.set_copy(question.id, copy, T0)  # meanwhile the copy's ref arrives
    found = store.vote_on_unknown(copy, "U7", True, T0)  # the handler keeps the vote
    assert found is not None and found.id == question.id
    assert store.get(question.id).votes == 1  # type: ignore[union-attr]
    store.vote_on_unknown(copy, "U7", False, T0)  # and taking it back, the same way, works too
    assert store.get(question.id).votes == 0  # type: ignore[union-attr]


def test_a_name_learnt_after_the_question_shows_on_it(store_url: str) -> None:
    store = store_on(store_url)
    question, _ = store.add(new("msg:C1:1.1", author="U42"))
    assert question.author_name == "U42"  # not known yet
    NameStore(store.engine).save("U42", "Damaris Muhika", T0)
    assert store.get(question.id).author_name == "Damaris Muhika"  # type: ignore[union-attr]


def test_threads_map_both_ways(store_url: str) -> None:
    store = store_on(store_url)
    store.set_thread("s1", MessageRef("C1", "5.5"))
    assert store.thread_for("s1") == MessageRef("C1", "5.5")
    assert store.session_of_thread(MessageRef("C1", "5.5")) == "s1"
    assert store.session_of_thread(MessageRef("C1", "6.6")) is None
