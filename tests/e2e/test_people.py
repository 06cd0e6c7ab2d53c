"""People end to end through the stand-in: registrants' reminders, registering in chat, speakers who
confirm and check in, connection help, and forgetting on request."""

from __future__ import annotations

from datetime import datetime, timedelta

from e2e.harness import MODERATOR, WEEK_BEFORE, Harness, cest
from sqlalchemy import String, Text, select

from bot.launch import RunningBot
from bot.localslack.workspace import User
from bot.people.registrants import Details
from bot.store import make_engine
from bot.store.people import RegistrantStore
from bot.store.tables import metadata

ONLINE, IN_PERSON = 30, 20
LANGUAGES = ("en", "fr", "es")


def add_people(harness: Harness, count: int) -> list[User]:
    workspace = harness.slack.workspace
    people = []
    for n in range(count):
        user = User(
            id=workspace.ids.new("U"),
            name=f"registrant{n:02d}",
            real_name=f"Registrant {n:02d}",
            email=f"registrant{n:02d}@example.org",
            tz="Africa/Nairobi",
            locale=("en-US", "fr-FR", "es-ES")[n % 3],
        )
        workspace.add_user(user)
        people.append(user)
    return people


def register_by_list(harness: Harness, people: list[User], at: datetime) -> RegistrantStore:
    engine = make_engine(harness.database_url)
    from bot.store import create_schema

    create_schema(engine)
    store = RegistrantStore(engine, "social-protection-freedom-justice-2018-10-23")
    for n, user in enumerate(people):
        mode = "online" if n < ONLINE else "in_person"
        details = Details(
            user.real_name, mode, organisation="Union", email=user.email, language=LANGUAGES[n % 3]
        )
        store.save(details, at, source="import")
    return store


def keys_of(store: RegistrantStore, mode: str) -> set[str]:
    return {r.key for r in store.all() if r.mode == mode}


def sent_to(harness: Harness, prefix: str) -> dict[str, list[datetime]]:
    """Receipts of the keyed posts whose cue id starts with `prefix`, by registrant key."""
    return {
        cue_id.rsplit("@registrant:", 1)[1]: times
        for cue_id, times in harness.receipts().items()
        if cue_id.startswith(prefix) and "@registrant:" in cue_id
    }


def test_each_registrant_gets_exactly_their_reminders_at_their_time(harness: Harness) -> None:
    people = add_people(harness, ONLINE + IN_PERSON)
    store = register_by_list(harness, people, WEEK_BEFORE - timedelta(days=1))
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:00"))
    online, in_person = keys_of(store, "online"), keys_of(store, "in_person")
    guide = sent_to(harness, "reminder:connection_guide@")
    assert set(guide) == online and all(t == [cest("14:00") - timedelta(days=7)] for t in guide.values())
    connect = sent_to(harness, "reminder:connect_now@")
    assert set(connect) == online and all(t == [cest("13:30")] for t in connect.values())
    venue = sent_to(harness, "reminder:venue@")
    assert set(venue) == in_person and all(t == [cest("14:00") - timedelta(days=1)] for t in venue.values())
    registered = sent_to(harness, "registered:")
    assert set(registered) == online | in_person and all(len(t) == 1 for t in registered.values())
    # Each in their own direct conversation, with the help button on the guide.
    first = harness.slack.user("registrant00")
    guide_dm = [m for c in ims_of(harness, first.id) for m in harness.posts(c) if "How to connect" in m.text]
    assert len(guide_dm) == 1 and "connection_help" in str(guide_dm[0].blocks)


def ims_of(harness: Harness, user: str) -> list[str]:
    return [c.id for c in harness.slack.workspace.channels.values() if c.is_im and c.im_user == user]


def test_a_restart_in_the_middle_of_the_connect_now_wave_repeats_no_dm_and_drops_none(
    harness: Harness,
) -> None:
    people = add_people(harness, ONLINE)
    store = register_by_list(harness, people, WEEK_BEFORE - timedelta(days=1))
    bot = harness.start_bot()
    harness.run_until(bot, cest("13:29:59"))
    harness.clock.set(cest("13:30"))
    bot.webinar.runner.scheduler.run_due()  # every connect-now claimed...
    bot.webinar.sender.drain(limit=10)  # ...ten of them sent, the rest not
    bot.crash()
    restarted = harness.start_bot()
    harness.run_until(restarted, cest("13:31"))
    connect = sent_to(harness, "reminder:connect_now@")
    assert set(connect) == keys_of(store, "online")
    assert all(len(times) == 1 for times in connect.values()), {k: len(v) for k, v in connect.items()}


def register_in_chat(
    harness: Harness, bot: RunningBot, who: str, mode: str = "online", **fields: str
) -> None:
    person = harness.slack.user(who)
    person.slash("/webinar", "register", channel="sp-webinar")
    bot.tick()  # the form opens through the sender
    form = person.modal()
    assert form is not None and form.callback_id == "register"
    values = {
        "name": {"name": fields.get("name", person.user.real_name)},
        "organisation": {"organisation": fields.get("organisation", "COTU-Kenya")},
        "mode": {"mode": mode},
        "language": {"language": fields.get("language", "fr")},
        "timezone": {"timezone": fields.get("timezone", "Africa/Nairobi")},
    }
    person.submit_view(form.id, values)
    bot.tick()


def test_a_late_registrant_gets_what_is_ahead_and_nothing_stale(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:00") - timedelta(days=3))  # the week-ahead guide is past
    register_in_chat(harness, bot, "participant04")
    harness.run_until(bot, cest("14:00"))
    registrant = bot.webinar.people.by_person(harness.slack.user("participant04").id)
    assert registrant is not None and registrant.language == "fr"
    assert registrant.key not in sent_to(harness, "reminder:connection_guide@")
    assert sent_to(harness, "reminder:connect_now@").get(registrant.key) == [cest("13:30")]
    assert len(sent_to(harness, "registered:").get(registrant.key, [])) == 1


def test_registering_twice_updates_and_cancel_stops_the_reminders(harness: Harness) -> None:
    bot = harness.start_bot()
    register_in_chat(harness, bot, "participant05", mode="online")
    register_in_chat(harness, bot, "participant05", mode="in_person")
    person = harness.slack.user("participant05")
    (registrant,) = bot.webinar.people.registrants.all()
    assert registrant.mode == "in_person"
    dm = ims_of(harness, person.id)[0]
    # They chose French in the form, so the bot writes to them in French.
    assert any(
        "Modification enregistrée : vous participez en présentiel" in m.text for m in harness.posts(dm)
    )
    confirmation = next(m for m in harness.posts(dm) if "register_cancel" in str(m.blocks))
    person.click(dm, confirmation.ts, "register_cancel")
    bot.tick()
    harness.run_until(bot, cest("14:00"))
    assert registrant.key not in sent_to(harness, "reminder:venue@")
    assert bot.webinar.people.registrants.get(registrant.key).cancelled_at is not None  # type: ignore[union-attr]


def test_a_form_with_an_empty_name_or_a_5000_character_organisation_is_refused_in_the_form(
    harness: Harness,
) -> None:
    bot = harness.start_bot()
    person = harness.slack.user("participant06")
    person.slash("/webinar", "register", channel="sp-webinar")
    bot.tick()
    form = person.modal()
    assert form is not None
    values = {"name": {"name": " "}, "organisation": {"organisation": "x" * 5000}, "mode": {"mode": "online"}}
    result = person.submit_view(form.id, values)
    assert result.acked and bot.webinar.people.registrants.all() == []
    errors = (result.response or {}).get("errors", {})
    assert "name" in errors and "organisation" in errors  # shown in the form, which stays open
    assert person.modal() is not None


def test_registration_closes_a_day_before_with_a_polite_reply_naming_the_organisers(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:00") - timedelta(hours=23))
    person = harness.slack.user("participant07")
    person.slash("/webinar", "register", channel="sp-webinar")
    reply = person.ephemerals()[-1].text
    assert "Registration for" in reply and "is closed" in reply and "cotinguiba@iloguest.org" in reply
    assert person.modal() is None


def test_the_welcome_post_carries_a_register_button(harness: Harness) -> None:
    bot = harness.start_bot()
    welcome = [m for m in harness.posts("sp-webinar") if "Registration is open" in m.text]
    assert len(welcome) == 1 and "register_open" in str(welcome[0].blocks)
    person = harness.slack.user("participant08")
    person.click(harness.channel("sp-webinar"), welcome[0].ts, "register_open")
    bot.tick()
    form = person.modal()
    assert form is not None and form.callback_id == "register"
    bot.crash()
    harness.start_bot()
    assert len([m for m in harness.posts("sp-webinar") if "Registration is open" in m.text]) == 1


def unconfirmed(harness: Harness, *keys: str) -> None:
    text = harness.schedule.read_text()
    for key in keys:
        text = text.replace(f"email: {key}@example.org}}", f"email: {key}@example.org, confirmed: false}}")
    harness.schedule.write_text(text)


def test_a_speaker_to_be_confirmed_is_asked_and_a_decline_or_a_silence_alerts_backstage_once(
    harness: Harness,
) -> None:
    unconfirmed(harness, "thorn", "ganter")
    harness.clock.set(cest("14:00") - timedelta(days=7, minutes=1))
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:00") - timedelta(days=7))
    thorn = harness.slack.user("thorn")
    dm = ims_of(harness, thorn.id)[0]
    ask = next(m for m in harness.posts(dm) if "Can you speak?" in m.text)
    thorn.click(dm, ask.ts, "speaker_decline")
    bot.tick()
    harness.run_until(bot, cest("14:00"))
    backstage = [m.text for m in harness.posts("sp-webinar-backstage")]
    assert len([t for t in backstage if "has declined to speak" in t and "/webinar skip thorn" in t]) == 1
    assert len([t for t in backstage if "has not confirmed" in t]) == 1  # Ganter never answered
    assert not [t for t in backstage if "has not confirmed" in t and thorn.id in t]
    ganter_asks = [
        m
        for c in ims_of(harness, harness.slack.user("ganter").id)
        for m in harness.posts(c)
        if "speaker_confirm" in str(m.blocks)  # Ganter reads French: the buttons say who is asked
    ]
    assert len(ganter_asks) == 2  # asked, and asked again two days on


def test_a_speaker_who_says_they_are_here_is_not_reported_and_one_who_does_not_is_once(
    harness: Harness,
) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("13:55"))  # Behrendt and Mote are asked 20 min before their 14:10 and 14:15
    behrendt = harness.slack.user("behrendt")
    dm = ims_of(harness, behrendt.id)[0]
    ask = next(m for m in harness.posts(dm) if "tell the moderators you're here" in m.text)
    behrendt.click(dm, ask.ts, "speaker_here")
    bot.tick()
    harness.run_until(bot, cest("14:06"))
    alerts = [m.text for m in harness.posts("sp-webinar-backstage") if "has not said they are here" in m.text]
    assert len(alerts) == 1 and harness.slack.user("mote").id in alerts[0]


def test_connection_help_reaches_backstage_and_the_person_hears_back(harness: Harness) -> None:
    people = add_people(harness, 1)
    register_by_list(harness, people, WEEK_BEFORE - timedelta(days=1))
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:00") - timedelta(days=7))
    person = harness.slack.user("registrant00")
    dm = ims_of(harness, person.id)[0]
    guide = next(m for m in harness.posts(dm) if "How to connect" in m.text)
    person.click(dm, guide.ts, "connection_help")
    bot.tick()
    form = person.modal()
    assert form is not None
    person.submit_view(form.id, {"missing": {"missing": "no camera"}, "location": {"location": "Nairobi"}})
    bot.tick()
    card = next(m for m in harness.posts("sp-webinar-backstage") if "Connection help" in m.text)
    assert "no camera" in card.text and "Nairobi" in card.text and "registrant00@example.org" in card.text
    harness.slack.user(MODERATOR).click(
        harness.channel("sp-webinar-backstage"), card.ts, "connection_resolved"
    )
    bot.tick()
    told = [m.text for m in harness.posts(dm)]
    assert any("marked your connection request resolved" in t for t in told)
    assert bot.webinar.people.requests.open() == []


def test_forget_me_leaves_no_personal_datum_in_any_table(harness: Harness) -> None:
    bot = harness.start_bot()
    register_in_chat(harness, bot, "participant09", name="Wanjiru Kamau", organisation="KUDHEIHA")
    harness.run_until(bot, cest("14:11"))
    person = harness.slack.user("participant09")
    questions = harness.channel("sp-webinar-questions")
    person.post("sp-webinar-questions", "What about domestic workers?")
    other = harness.slack.user("participant10").post("sp-webinar-questions", "And pensions?")
    person.react(questions, other)
    bot.tick()
    person.slash("/webinar", "forget me", channel="sp-webinar")
    assert "données personnelles liées à votre inscription ont été supprimées" in person.ephemerals()[-1].text
    personal = {person.id, person.user.email, "Wanjiru Kamau", "KUDHEIHA", person.user.real_name}
    engine = bot.webinar.outbox.engine
    found = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in conn.execute(select(*columns)).all() if columns else []:
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, str) and any(datum in value for datum in personal):
                        found.append(f"{table.name}.{column.name}")
    assert found == []
    (question,) = [q for q in bot.webinar.questions.all() if "domestic" in q.text]
    assert question.author_name == "a former participant"  # the question stays


def test_moderators_see_the_attendance_figures_and_participants_see_nothing_of_others(
    harness: Harness,
) -> None:
    bot = harness.start_bot()
    register_in_chat(harness, bot, "participant05", mode="online")
    register_in_chat(harness, bot, "participant06", mode="in_person")
    moderator, participant = harness.slack.user(MODERATOR), harness.slack.user("participant07")
    moderator.open_home()
    participant.open_home()
    moderator.slash("/webinar", "report", channel="sp-webinar-backstage")
    bot.tick()
    files = harness.slack.wait_for(
        lambda: [f for f in harness.slack.workspace.files.values() if f.completed], timeout=10
    )
    report = files[0].content.decode()
    assert "Attendance: 2 registered (1 online, 1 in person)" in report
    for who in ("participant05", "participant06"):
        assert harness.slack.user(who).user.real_name not in report
    assert "Inscritos:" in str(moderator.home().blocks)  # type: ignore[union-attr]  # Ortiz reads Spanish
    home = str(participant.home().blocks)  # type: ignore[union-attr]
    assert "Registered:" not in home and "in person" not in home
