"""Templates: every value escaped, every cue of the seed events renders, long text fits Slack."""

import re
from pathlib import Path

import pytest

from bot.agenda.load import load_schedule
from bot.messages.cues import render_cue
from bot.messages.render import SECTION_LIMIT, Renderer
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
            assert message.text.strip(), cue.id


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
        text = render_cue(renderer, cue).text
        # No control sequence survives except the bot's own date tokens and links.
        for sequence in re.findall(r"<([^>]*)>", text):
            assert sequence.startswith(("!date^", "http")), (cue.id, sequence)
        assert "<!channel>" not in text and "<!here>" not in text and "<!everyone>" not in text
        assert "49" not in text  # the {{ 7 * 7 }} in the title was not evaluated
        if "quoted" in text:
            assert '"quoted"' in text  # quotes are not HTML-escaped


def test_long_text_is_split_into_section_blocks_within_slack_limits(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "long.j2").write_text(
        "{% block text %}{{ body }}{% endblock %}{% block footer %}note{% endblock %}"
    )
    message = Renderer(tmp_path).render("long", {"body": ("word " * 2000 + "\n") * 3})
    assert message.blocks is not None
    sections = [b for b in message.blocks if b["type"] == "section"]
    assert len(sections) >= 10
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    assert message.blocks[-1]["type"] == "context"


def test_a_language_falls_back_to_english_per_template(tmp_path: Path) -> None:
    for language, text in (("en", "Hello"), ("fr", "Bonjour")):
        (tmp_path / language).mkdir()
        (tmp_path / language / "hello.j2").write_text(f"{{% block text %}}{text}{{% endblock %}}")
    (tmp_path / "en" / "bye.j2").write_text("{% block text %}Bye{% endblock %}")
    renderer = Renderer(tmp_path, language="fr")
    assert renderer.render("hello", {}).text == "Bonjour"
    assert renderer.render("bye", {}).text == "Bye"


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", ""])
def test_template_names_cannot_escape_the_templates_folder(name: str) -> None:
    import jinja2

    with pytest.raises(jinja2.TemplateNotFound):
        Renderer().render(name, {})
