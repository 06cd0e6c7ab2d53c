"""What a user entered into Block Kit elements, in the shapes Slack reports it.

Used to build `view.state.values` for view submissions and the `actions` of block_actions payloads:
`plain_text_input` → `value`, `static_select`/`radio_buttons`/`overflow` → `selected_option`,
`checkboxes`/`multi_static_select` → `selected_options`, `users_select` → `selected_user`, ...
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

_TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
_ONE_OPTION = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
_MANY_OPTIONS = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
_PICKERS = MappingProxyType(
    {
        "users_select": "selected_user",
        "multi_users_select": "selected_users",
        "conversations_select": "selected_conversation",
        "multi_conversations_select": "selected_conversations",
        "channels_select": "selected_channel",
        "multi_channels_select": "selected_channels",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
        "datetimepicker": "selected_date_time",
    }
)
_UNSET: Any = object()


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return [o for o in options if isinstance(o, dict)]


def _option(element: dict[str, Any], value: object) -> dict[str, Any]:
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    for option in _options(element):
        if option.get("value") == value:
            return option
    raise ValueError(f"{element.get('action_id')!r} has no option with value {value!r}")


def element_state(element: dict[str, Any], value: Any = _UNSET) -> dict[str, Any]:
    """`{"type": ..., <value key>: ...}` for one element; `value` omitted means the initial one."""
    kind = str(element.get("type"))
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        state["value"] = element.get("initial_value") if value is _UNSET else value
    elif kind in _ONE_OPTION:
        state["selected_option"] = (
            element.get("initial_option") if value is _UNSET else _option(element, value)
        )
    elif kind in _MANY_OPTIONS:
        if value is _UNSET:
            state["selected_options"] = list(element.get("initial_options") or [])
        else:
            values = value if isinstance(value, list | tuple) else [value]
            state["selected_options"] = [_option(element, v) for v in values]
    elif kind in _PICKERS:
        key = _PICKERS[kind]
        initial = element.get("initial_" + key.removeprefix("selected_"))
        state[key] = initial if value is _UNSET else value
    elif value is not _UNSET:
        state["value"] = value
    return state


def view_state(blocks: list[dict[str, Any]], values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`view.state.values` for a submission: every input block, with `values[block_id][action_id]` filled in.

    Raises ValueError for a value naming no input, or a required input left empty, since a real
    Slack client would not let the user submit that.
    """
    state: dict[str, dict[str, Any]] = {}
    used: set[tuple[str, str]] = set()
    for block in blocks:
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        element = block["element"]
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        given = values.get(block_id, {})
        if action_id in given:
            used.add((block_id, action_id))
            entry = element_state(element, given[action_id])
        else:
            entry = element_state(element)
        if not block.get("optional") and all(v in (None, "", []) for k, v in entry.items() if k != "type"):
            raise ValueError(f"required input {block_id}/{action_id} left empty")
        state[block_id] = {action_id: entry}
    for block_id, by_action in values.items():
        for action_id in by_action:
            if (block_id, action_id) not in used:
                raise ValueError(f"no input {block_id}/{action_id} in this view")
    return state


def action_payload(
    block: dict[str, Any], element: dict[str, Any], value: Any, action_ts: str
) -> dict[str, Any]:
    """One entry of a block_actions payload's `actions`, as Slack builds it for a click or a choice."""
    action: dict[str, Any] = {
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "type": element.get("type"),
        "action_ts": action_ts,
    }
    if element.get("type") == "button":
        action["text"] = element.get("text")
        chosen = element.get("value") if value is None else value
        if chosen is not None:
            action["value"] = chosen
        if element.get("style"):
            action["style"] = element["style"]
        return action
    state = element_state(element, value) if value is not None else element_state(element)
    state.pop("type")
    action.update(state)
    return action
