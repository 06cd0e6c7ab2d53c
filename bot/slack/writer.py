"""Neutral messages and forms written in Slack's terms: mrkdwn text, Block Kit blocks, modal views.

Escaping is total: every literal run has exactly `&`, `<` and `>` escaped (what Slack documents;
nothing else, since Slack shows `&quot;` literally), so `<!channel>` in a question shows those
characters and pings nobody. Only the bot's own runs become Slack markup: `<@U…>` mentions, `<#C…>`
channel links, `<url|label>` links and `<!date^…>` tokens, which show each reader their own time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.chat.form import Checkboxes, Choice, Form, TextField
from bot.chat.message import (
    Button,
    ChannelLink,
    Code,
    Emoji,
    Emphasis,
    Inline,
    Link,
    Mention,
    Message,
    Strong,
    Text,
    Time,
)
from bot.slack.mrkdwn import channel_link, escape, link, mention

SECTION_LIMIT = 3000
TEXT_LIMIT = 39_000
BLOCK_LIMIT = 50
DATE_TOKENS = {
    "time": "{time}",
    "datetime": "{date_short_pretty} {time}",
    "date": "{date_long_pretty}",
}
STATE_LIMIT = 3000  # a modal's private_metadata


def mrkdwn(inlines: Iterable[Inline]) -> str:
    out: list[str] = []
    for inline in inlines:
        match inline:
            case Text(text):
                out.append(escape(text))
            case Strong(parts):
                out.append(f"*{mrkdwn(parts)}*")
            case Emphasis(parts):
                out.append(f"_{mrkdwn(parts)}_")
            case Code(text):
                out.append(f"`{escape(text)}`")
            case Emoji(name):
                out.append(f":{name}:")
            case Link(url, label):
                out.append(link(url, label))
            case Mention(name, person):
                out.append(mention(person) if person else escape(name))
            case ChannelLink(name, conversation):
                out.append(channel_link(conversation or "", name))
            case Time(at, style, fallback):
                shown = fallback.replace("|", "/").replace(">", "")
                out.append(f"<!date^{int(at.timestamp())}^{DATE_TOKENS[style]}|{escape(shown)}>")
    return "".join(out)


@dataclass(frozen=True)
class SlackMessage:
    """`text` is the message (and its notification fallback); `blocks` when text alone cannot say it."""

    text: str
    blocks: list[dict[str, Any]] | None = None

    def args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"text": self.text}
        if self.blocks:
            args["blocks"] = self.blocks
        return args


def plain_text(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit] or " ", "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain_text(button.label),
        "action_id": button.action,
        "value": button.value[:2000],
    }
    if button.style:
        element["style"] = button.style
    return element


def _actions(buttons: tuple[Button, ...], block_id: str = "") -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": [_button(b) for b in buttons[:25]]}
    if block_id:
        block["block_id"] = block_id
    return block


def write(message: Message) -> SlackMessage:
    """The message as `chat.postMessage` arguments: text only when that says it all, else blocks too
    (the text then also carries the sections, for notifications and screen readers)."""
    text = mrkdwn(message.text)
    if message.sections:
        text = "\n".join([text, *(mrkdwn(s.text) for s in message.sections if s.text)])
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + "… (cut: too long for one Slack message)"
    if not (message.context or message.buttons or message.sections) and len(text) <= SECTION_LIMIT:
        return SlackMessage(text)
    body = mrkdwn(message.text)[:TEXT_LIMIT]
    blocks: list[dict[str, Any]] = [_section(chunk) for chunk in _chunks(body)][: BLOCK_LIMIT - 1]
    if message.buttons:
        blocks.append(_actions(message.buttons, "webinar_controls"))
    for section in message.sections:
        if section.text:
            blocks.append(_section(mrkdwn(section.text)))
        if section.buttons:
            blocks.append(_actions(section.buttons, section.key))
    if message.context:
        context = mrkdwn(message.context)[:SECTION_LIMIT]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return SlackMessage(text, blocks[:BLOCK_LIMIT])


def _chunks(text: str) -> list[str]:
    """Split at line ends into pieces a section block accepts, never inside an `<...>` token."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > SECTION_LIMIT:
            cut = line.rfind(" ", 0, SECTION_LIMIT)
            cut = cut if cut > SECTION_LIMIT // 2 else SECTION_LIMIT
            if line.rfind("<", 0, cut) > line.rfind(">", 0, cut):
                cut = line.rfind("<", 0, cut) or cut
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks or [""]


def home_view(message: Message) -> dict[str, Any]:
    """A person's App Home tab."""
    blocks = write(Message(message.text, message.context, message.buttons, message.sections)).blocks
    return {"type": "home", "blocks": (blocks or [_section(mrkdwn(message.text))])[:100]}


HANDLE_KEY = "_handle"  # where a form's state keeps the interaction it came from (its response_url)


def modal(form: Form, handle: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A form as a modal view: its intro, then an input block named after each field. The handle of
    the interaction that opened it travels in its metadata, to answer the person when it comes back."""
    state = dict(form.state)
    url = (handle or {}).get("response_url")
    if url:
        state[HANDLE_KEY] = url
    blocks: list[dict[str, Any]] = []
    if form.intro is not None:
        blocks += write(form.intro).blocks or [_section(mrkdwn(form.intro.text))]
    blocks += [_input(field) for field in form.fields]
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": form.name,
        "title": plain_text(form.title, 24),
        "close": plain_text(form.cancel, 24),
        "private_metadata": json.dumps(state)[:STATE_LIMIT],
        "blocks": blocks[:100],
    }
    if form.fields:
        view["submit"] = plain_text(form.submit, 24)
    return view


def _option(label: str, value: str, description: str = "") -> dict[str, Any]:
    option: dict[str, Any] = {"text": plain_text(label), "value": value[:150]}
    if description:
        option["description"] = plain_text(description)
    return option


def _input(field: Choice | TextField | Checkboxes) -> dict[str, Any]:
    element: dict[str, Any]
    if isinstance(field, Choice):
        options = [_option(o.label, o.value, o.description) for o in field.options[:100]]
        element = {"type": "static_select", "action_id": field.name, "options": options}
        initial = next((o for o in options if o["value"] == field.initial), options[0] if options else None)
        if initial is not None:
            element["initial_option"] = initial
    elif isinstance(field, TextField):
        element = {
            "type": "plain_text_input",
            "action_id": field.name,
            "multiline": field.multiline,
            "max_length": field.max_length,
        }
        if field.initial:
            element["initial_value"] = field.initial[: field.max_length]
        if field.placeholder:
            element["placeholder"] = plain_text(field.placeholder, 150)
    else:
        element = {
            "type": "checkboxes",
            "action_id": field.name,
            "options": [_option(o.label, o.value, o.description) for o in field.options[:10]],
        }
    return {
        "type": "input",
        "block_id": field.name,
        "optional": field.optional,
        "label": plain_text(field.label, 2000),
        "element": element,
    }


def values_of(view: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """A submitted modal's answers, by field name (the block ids `modal` gave the inputs)."""
    answers: dict[str, tuple[str, ...]] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            continue
        for action in actions.values():
            if not isinstance(action, dict):
                continue
            if action.get("type") == "checkboxes" or "selected_options" in action:
                answers[block_id] = tuple(
                    str(o.get("value", "")) for o in action.get("selected_options") or []
                )
            elif "selected_option" in action:
                answers[block_id] = (str((action.get("selected_option") or {}).get("value", "")),)
            else:
                answers[block_id] = (str(action.get("value") or ""),)
    return answers


def state_of(view: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """A submitted modal's (form state, interaction handle), from its metadata."""
    try:
        state = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        state = {}
    if not isinstance(state, dict):
        state = {}
    values = {str(k): str(v) for k, v in state.items()}
    url = values.pop(HANDLE_KEY, "")
    return values, ({"response_url": url} if url else {})
