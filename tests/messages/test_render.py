"""Templates: every value escaped, every cue of the seed events renders, long text fits Slack."""

import re
from pathlib import Path

import pytest

from bot.agenda.load import load_schedule
from bot.chat.message import Emoji, Mention, Strong, Text, Time
from bot.messages.cues import render_cue
from bot.messages.render import Renderer
from bot.slack.writer import write
from bot.timeline.planner import plan

from support import SEED_PANEL, SEED_WEBINAR

HOSTILE = '<!channel> <https://evil.example|click> & {{ 7 * 7 }} "quoted"'


def test_every_cue_of_the_seed_events_renders_with_strict_templates() -> None:
    renderer = Renderer(strict=True)
    for path in (SEED_WEBINAR, SEED_PANEL):
        result = load_schedule(path)
        assert result.agenda is not None
        for cue in plan(result.agenda):
            message = render_cue(renderer, cue)
            assert message.plain.strip(), cue.id


def test_a_hostile_title_is_rendered_harmless(write_schedule: object, tmp_path: Path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(f"""
title: '{HOSTILE}'
timezone: Europe/Zurich
date: 2018-10-23
channels: {{announcements: a, questions: q, backstage: b}}
speakers:
  evil: {{name: '<!here> Mallory', role: '<@U0ADMIN>', slack: U0EVIL}}
agenda:
  - time: "14:00-14:30"
    title: '{HOSTILE}'
    description: '<!everyone>'
    sessions:
      - title: '<#C0GENERAL>'
        slots: [{{speaker: evil, minutes: 5}}, {{discussion: 10}}]
""")
    result = load_schedule(path)
    assert result.agenda is not None
    renderer = Renderer(strict=True)
    for cue in plan(result.agenda):
        text = write(render_cue(renderer, cue)).text
        # No control sequence survives except the bot's own date tokens and links.
        for sequence in re.findall(r"<([^>]*)>", text):
            assert sequence.startswith(("!date^", "http")), (cue.id, sequence)
        assert "<!channel>" not in text and "<!here>" not in text and "<!everyone>" not in text
        assert "49" not in text  # the {{ 7 * 7 }} in the title was not evaluated
        if "quoted" in text:
            assert '"quoted"' in text  # quotes are not HTML-escaped


def test_a_template_renders_to_neutral_runs_and_values_stay_literal(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "t.j2").write_text(
        "{% block text %}:wave: *{{ title }}* with {{ speaker | who }} at {{ ts | time }}"
        "{{ emoji | emoji }}{% endblock %}{% block footer %}note{% endblock %}"
    )
    message = Renderer(tmp_path).render(
        "t",
        {
            "title": "*not bold* <!here>",
            "speaker": {"key": "ortiz", "name": "Isabel Ortiz", "user_id": "U0123"},
            "ts": 1540296000,
            "emoji": "+1",
            "webinar": {"timezone": "Europe/Zurich"},
        },
    )
    assert message.text[0] == Emoji("wave")
    assert message.text[2] == Strong((Text("*not bold* <!here>"),))  # a value is never markup
    assert Mention("Isabel Ortiz", "U0123") in message.text
    assert any(isinstance(run, Time) and run.fallback == "14:00 CEST" for run in message.text)
    assert message.text[-1] == Emoji("+1")
    assert message.plain.endswith(":+1:\nnote")


def test_a_language_falls_back_to_english_per_template(tmp_path: Path) -> None:
    for language, text in (("en", "Hello"), ("fr", "Bonjour")):
        (tmp_path / language).mkdir()
        (tmp_path / language / "hello.j2").write_text(f"{{% block text %}}{text}{{% endblock %}}")
    (tmp_path / "en" / "bye.j2").write_text("{% block text %}Bye{% endblock %}")
    renderer = Renderer(tmp_path, language="fr")
    assert renderer.render("hello", {}).plain == "Bonjour"
    assert renderer.render("bye", {}).plain == "Bye"


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", ""])
def test_template_names_cannot_escape_the_templates_folder(name: str) -> None:
    import jinja2

    with pytest.raises(jinja2.TemplateNotFound):
        Renderer().render(name, {})
