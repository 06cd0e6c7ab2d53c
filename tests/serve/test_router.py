"""Which webinar an inbound value belongs to, when several share one chat platform."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.chat.form import Form
from bot.chat.inbound import Command, Inbound, Posted, Pressed, Reply, Submitted
from bot.chat.message import Button, Message, Section, Text
from bot.chat.refs import Handle, MessageRef
from bot.clock import ManualClock
from bot.i18n.catalogs import Catalogs
from bot.serve.router import Route, Router
from bot.serve.tagged import FORM_STATE_KEY, tag, tag_form, tag_message, untag

NOON = datetime.fromisoformat("2018-10-23T12:00:00+02:00")


class Recorder:
    def __init__(self) -> None:
        self.got: list[Inbound] = []

    def receive(self, event: Inbound) -> Reply | None:
        self.got.append(event)
        return None


def route(key: str, start: str, conversations: set[str], inbox: Recorder) -> Route:
    begin = datetime.fromisoformat(f"2018-10-23T{start}:00+02:00")
    words = Catalogs().words("en")
    return Route(
        key, inbox, frozenset(conversations), lambda: (begin, begin + timedelta(hours=1)), lambda p: words
    )


def two(clock: ManualClock, shared: bool = True) -> tuple[Router, Recorder, Recorder]:
    router, early, late = Router(clock), Recorder(), Recorder()
    router.add(route("early", "14:00", {"C1", "B1"}, early))
    router.add(route("late", "18:00", {"C1" if shared else "C2", "B2"}, late))
    return router, early, late


def posted(conversation: str) -> Posted:
    return Posted("U1", MessageRef(conversation, "1.0"), "a question", NOON)


def test_a_message_goes_to_the_webinar_whose_channel_it_is() -> None:
    clock = ManualClock(NOON)
    router, early, late = two(clock, shared=False)
    router.receive(posted("C2"))
    assert late.got and not early.got


def test_in_a_shared_channel_a_message_goes_to_the_webinar_running_or_nearest_in_time() -> None:
    clock = ManualClock(NOON)
    router, early, late = two(clock)
    router.receive(posted("C1"))
    assert early.got and not late.got
    clock.set(NOON + timedelta(hours=5, minutes=30))  # 17:30: early is over, late is half an hour ahead
    router.receive(posted("C1"))
    assert len(late.got) == 1


def test_a_tagged_button_goes_to_its_webinar_untagged_wherever_it_is_pressed() -> None:
    clock = ManualClock(NOON)
    router, early, late = two(clock)
    press = Pressed("U1", "speaker_here", tag("late", "astor"), Handle(), NOON, MessageRef("D9", "1.0"))
    router.receive(press)
    assert not early.got  # the nearest in time, had the tag not said
    assert late.got == [Pressed("U1", "speaker_here", "astor", Handle(), NOON, MessageRef("D9", "1.0"))]


def test_a_form_goes_back_to_the_webinar_that_opened_it() -> None:
    clock = ManualClock(NOON)
    router, early, late = two(clock)
    form = tag_form("late", Form("register", "Register", state={"mode": "online"}))
    router.receive(Submitted("U1", "register", {}, form.state, Handle(), NOON))
    assert not early.got
    assert late.got and isinstance(late.got[0], Submitted) and FORM_STATE_KEY not in late.got[0].state
    assert late.got[0].state == {"mode": "online"}


def test_webinar_key_chooses_and_a_bare_command_in_a_shared_channel_asks_which() -> None:
    clock = ManualClock(NOON)
    router, early, late = two(clock)
    reply = router.receive(Command("U1", "C1", "webinar", "status", Handle(), NOON))
    assert reply is not None and reply.message is not None
    said = reply.message.plain
    assert "which one" in said and "early" in said and "late" in said and "/webinar early status" in said
    assert not early.got and not late.got
    router.receive(Command("U1", "C1", "webinar", "late delay 5", Handle(), NOON))
    assert isinstance(late.got[0], Command) and late.got[0].text == "delay 5"


def test_a_bare_command_in_a_webinars_own_channel_goes_to_it() -> None:
    clock = ManualClock(NOON)
    router, early, late = two(clock)
    router.receive(Command("U1", "B2", "webinar", "next", Handle(), NOON))
    assert late.got and not early.got


def test_a_webinar_taken_off_gets_nothing_more() -> None:
    clock = ManualClock(NOON)
    router, early, late = two(clock)
    router.remove("early")
    router.receive(posted("C1"))
    assert late.got and not early.got


def test_tags_are_total_and_come_off_exactly() -> None:
    message = Message(
        (Text("x"),),
        buttons=(Button("Go", "go", "v|1"),),
        sections=(Section((Text("s"),), (Button("Pin", "pin", "42"),)),),
    )
    tagged = tag_message("web-1", message)
    values = [b.value for b in tagged.buttons] + [b.value for s in tagged.sections for b in s.buttons]
    assert values == ["web-1|v|1", "web-1|42"]
    assert [untag(v) for v in values] == [("web-1", "v|1"), ("web-1", "42")]
    assert untag("plain") == (None, "plain")
