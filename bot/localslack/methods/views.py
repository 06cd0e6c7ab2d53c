"""views.*: modals (opened with a fresh trigger_id) and App Home tabs."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from bot.localslack.blockkit import MAX_VIEW_BLOCKS, block_errors, with_generated_ids
from bot.localslack.methods.base import ApiContext, ApiError, Args, Handler
from bot.localslack.workspace import View

MAX_MODAL_STACK = 3


def _invalid(message: str, pointer: str) -> ApiError:
    return ApiError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {message} [json-pointer:{pointer}]"]}
    )


def _spec(args: Args, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The `view` argument, checked the way Slack checks it."""
    spec = args.structured("view", "invalid_arguments")
    if not isinstance(spec, dict):
        raise _invalid("must be an object", "/view")
    if spec.get("type") not in allowed:
        raise _invalid(f"must be one of {', '.join(allowed)}", "/view/type")
    blocks = spec.get("blocks", [])
    errors = block_errors(blocks, MAX_VIEW_BLOCKS)
    if errors:
        raise ApiError("invalid_arguments", response_metadata={"messages": errors})
    if spec["type"] == "modal":
        title = spec.get("title")
        if not isinstance(title, dict) or not isinstance(title.get("text"), str) or not title["text"]:
            raise _invalid("must provide a title", "/view/title")
        if len(title["text"]) > 24:
            raise _invalid("must be less than 25 characters", "/view/title/text")
        if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) and not spec.get("submit"):
            raise _invalid(
                "submit is required when an input block is within the blocks array", "/view/submit"
            )
    if len(str(spec.get("private_metadata", ""))) > 3000:
        raise _invalid("must be less than 3001 characters", "/view/private_metadata")
    if len(str(spec.get("callback_id", ""))) > 255:
        raise _invalid("must be less than 256 characters", "/view/callback_id")
    return spec


def fill_view(ctx: ApiContext, view: View, spec: dict[str, Any]) -> View:
    view.type = str(spec["type"])
    view.title = spec.get("title")
    view.submit = spec.get("submit")
    view.close = spec.get("close")
    view.blocks = with_generated_ids(list(spec.get("blocks", [])), ctx.short_id)
    view.callback_id = str(spec.get("callback_id", ""))
    view.external_id = str(spec.get("external_id", ""))
    view.private_metadata = str(spec.get("private_metadata", ""))
    view.notify_on_close = bool(spec.get("notify_on_close", False))
    view.clear_on_close = bool(spec.get("clear_on_close", False))
    view.hash = f"{ctx.now_epoch()}.{ctx.ids.secret(4)}"
    view.errors = {}
    return view


def new_view(ctx: ApiContext, user_id: str, spec: dict[str, Any], previous: str | None = None) -> View:
    view = View(
        id=ctx.ids.new("V"),
        team_id=ctx.ws.team.id,
        type=str(spec["type"]),
        user_id=user_id,
        app_id=ctx.ws.bot.app_id,
        bot_id=ctx.ws.bot.bot_id,
        previous_view_id=previous,
    )
    fill_view(ctx, view, spec)
    ctx.ws.views[view.id] = view
    return view


def _trigger_user(ctx: ApiContext, args: Args) -> str:
    redeemed = ctx.interactions.redeem_trigger(args.text("trigger_id"))
    if isinstance(redeemed, str):
        raise ApiError(redeemed)
    return redeemed.user_id


def open_(ctx: ApiContext, args: Args) -> dict[str, Any]:
    spec = _spec(args, ("modal",))
    user_id = _trigger_user(ctx, args)
    for old in ctx.ws.open_modals(user_id):
        old.is_open = False
    view = new_view(ctx, user_id, spec)
    view.root_view_id = view.id
    ctx.ws.modal_stacks[user_id] = [view.id]
    return {"view": view.to_api()}


def push(ctx: ApiContext, args: Args) -> dict[str, Any]:
    spec = _spec(args, ("modal",))
    user_id = _trigger_user(ctx, args)
    stack = ctx.ws.modal_stacks.setdefault(user_id, [])
    if len(stack) >= MAX_MODAL_STACK:
        raise ApiError("push_limit_reached")
    view = new_view(ctx, user_id, spec, previous=stack[-1] if stack else None)
    view.root_view_id = stack[0] if stack else view.id
    stack.append(view.id)
    return {"view": view.to_api()}


def update(ctx: ApiContext, args: Args) -> dict[str, Any]:
    if not args.has("view_id") and not args.has("external_id"):
        raise _invalid("must provide view_id or external_id", "/view_id")
    view = ctx.ws.find_view(args.opt("view_id"), args.opt("external_id"))
    if view is None:
        raise ApiError("not_found")
    if args.has("hash") and args.text("hash") != view.hash:
        raise ApiError("hash_conflict")
    spec = _spec(args, (view.type,))
    fill_view(ctx, view, spec)
    return {"view": view.to_api()}


def publish(ctx: ApiContext, args: Args) -> dict[str, Any]:
    spec = _spec(args, ("home",))
    user = ctx.user(args.text("user_id"))
    existing = ctx.ws.find_view(ctx.ws.home_views.get(user.id))
    if existing is not None:
        if args.has("hash") and args.text("hash") != existing.hash:
            raise ApiError("hash_conflict")
        return {"view": fill_view(ctx, existing, spec).to_api()}
    view = new_view(ctx, user.id, spec)
    view.root_view_id = view.id
    ctx.ws.home_views[user.id] = view.id
    return {"view": view.to_api()}


HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(
    {"views.open": open_, "views.push": push, "views.update": update, "views.publish": publish}
)
