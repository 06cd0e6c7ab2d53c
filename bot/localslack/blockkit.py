"""Block Kit basics Slack checks before it accepts a message or a view.

Not the full schema: the limits a bot is likely to trip over (unknown block types, too many blocks or
elements, over-long texts, ids and values), reported the way Slack does, as `invalid_blocks` with one
`[ERROR] ... [json-pointer:/blocks/0/text]` line per problem.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

BLOCK_TYPES = frozenset(
    {
        "section",
        "divider",
        "image",
        "actions",
        "context",
        "input",
        "header",
        "file",
        "rich_text",
        "video",
        "markdown",
    }
)
INTERACTIVE_ELEMENTS = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "timepicker",
        "overflow",
        "radio_buttons",
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "plain_text_input",
        "email_text_input",
        "number_input",
        "url_text_input",
        "rich_text_input",
        "file_input",
        "workflow_button",
    }
)
OPTION_LIMITS = MappingProxyType(
    {
        "static_select": 100,
        "multi_static_select": 100,
        "checkboxes": 10,
        "radio_buttons": 10,
        "overflow": 5,
    }
)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def text(self, obj: object, pointer: str, limit: int, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.fail("must be a text object", pointer)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if kind not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}", f"{pointer}/type")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail("must be a non-empty string", f"{pointer}/text")
        elif len(text) > limit:
            self.fail(f"must be less than {limit + 1} characters", f"{pointer}/text")

    def short(self, value: object, pointer: str, limit: int) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
        elif len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def option(self, option: object, pointer: str) -> None:
        if not isinstance(option, dict):
            self.fail("must be an option object", pointer)
            return
        self.text(option.get("text"), f"{pointer}/text", 75)
        self.short(option.get("value"), f"{pointer}/value", 150)

    def element(self, element: object, pointer: str) -> None:
        if not isinstance(element, dict):
            self.fail("must be an element object", pointer)
            return
        kind = element.get("type")
        if kind not in INTERACTIVE_ELEMENTS and kind != "image":
            self.fail(f"unknown element type {kind!r}", f"{pointer}/type")
            return
        self.short(element.get("action_id"), f"{pointer}/action_id", 255)
        if kind == "button":
            self.text(element.get("text"), f"{pointer}/text", 75, plain_only=True)
            self.short(element.get("value"), f"{pointer}/value", 2000)
            self.short(element.get("url"), f"{pointer}/url", 3000)
            if element.get("style") not in (None, "primary", "danger"):
                self.fail("must be primary or danger", f"{pointer}/style")
        if kind in OPTION_LIMITS and "options" in element:
            options = element.get("options")
            if not isinstance(options, list) or not options:
                self.fail("must be a non-empty array", f"{pointer}/options")
            else:
                if len(options) > OPTION_LIMITS[str(kind)]:
                    self.fail(f"must have at most {OPTION_LIMITS[str(kind)]} items", f"{pointer}/options")
                for i, option in enumerate(options):
                    self.option(option, f"{pointer}/options/{i}")
        if kind is not None and "placeholder" in element:
            self.text(element.get("placeholder"), f"{pointer}/placeholder", 150, plain_only=True)

    def block(self, block: object, pointer: str, seen_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.fail("must be an object", pointer)
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"unknown block type {kind!r}", f"{pointer}/type")
            return
        block_id = block.get("block_id")
        self.short(block_id, f"{pointer}/block_id", 255)
        if isinstance(block_id, str):
            if block_id in seen_ids:
                self.fail("duplicate block_id", f"{pointer}/block_id")
            seen_ids.add(block_id)
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail("must provide text or fields", pointer)
            if "text" in block:
                self.text(block["text"], f"{pointer}/text", 3000)
            fields = block.get("fields")
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > 10:
                    self.fail("must be an array of at most 10 items", f"{pointer}/fields")
                else:
                    for i, f in enumerate(fields):
                        self.text(f, f"{pointer}/fields/{i}", 2000)
            if "accessory" in block:
                self.element(block["accessory"], f"{pointer}/accessory")
        elif kind == "header":
            self.text(block.get("text"), f"{pointer}/text", 150, plain_only=True)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements or len(elements) > 25:
                self.fail("must be an array of 1 to 25 elements", f"{pointer}/elements")
            else:
                for i, e in enumerate(elements):
                    self.element(e, f"{pointer}/elements/{i}")
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements or len(elements) > 10:
                self.fail("must be an array of 1 to 10 elements", f"{pointer}/elements")
            else:
                for i, e in enumerate(elements):
                    if isinstance(e, dict) and e.get("type") == "image":
                        continue
                    self.text(e, f"{pointer}/elements/{i}", 3000)
        elif kind == "input":
            self.text(block.get("label"), f"{pointer}/label", 2000, plain_only=True)
            self.element(block.get("element"), f"{pointer}/element")
        elif kind == "image":
            if not block.get("image_url") and not block.get("slack_file"):
                self.fail("must provide image_url or slack_file", pointer)
            self.short(block.get("alt_text"), f"{pointer}/alt_text", 2000)
        elif kind == "markdown":
            self.short(block.get("text"), f"{pointer}/text", 12000)


def block_errors(blocks: object, limit: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Slack-style messages for every problem found; empty when the blocks are acceptable."""
    checker = _Checker()
    if not isinstance(blocks, list):
        checker.fail("must be an array", "/blocks")
        return checker.errors
    if len(blocks) > limit:
        checker.fail(f"must have at most {limit} items", "/blocks")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        checker.block(block, f"/blocks/{i}", seen)
    return checker.errors


def find_element(
    blocks: list[dict[str, Any]], action_id: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (block, element) holding `action_id`, for building interaction payloads."""
    for block in blocks:
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates = list(block.get("elements") or [])
        elif block.get("type") == "section" and "accessory" in block:
            candidates = [block["accessory"]]
        elif block.get("type") == "input" and "element" in block:
            candidates = [block["element"]]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block, element
    return None


def with_generated_ids(blocks: list[dict[str, Any]], mint: Callable[[], str]) -> list[dict[str, Any]]:
    """Copies of `blocks` with the `block_id`/`action_id`s Slack fills in when a bot leaves them out.

    `mint` is a zero-argument callable returning a fresh short id.
    """
    result: list[dict[str, Any]] = []
    for block in blocks:
        copy = dict(block)
        copy.setdefault("block_id", mint())
        if copy.get("type") == "actions" and isinstance(copy.get("elements"), list):
            copy["elements"] = [_with_action_id(e, mint) for e in copy["elements"]]
        for key in ("accessory", "element"):
            if isinstance(copy.get(key), dict):
                copy[key] = _with_action_id(copy[key], mint)
        result.append(copy)
    return result


def _with_action_id(element: object, mint: Callable[[], str]) -> object:
    if isinstance(element, dict) and element.get("type") in INTERACTIVE_ELEMENTS:
        copy = dict(element)
        copy.setdefault("action_id", mint())
        return copy
    return element
