"""users.* and usergroups.*: who is in the workspace, where they are and which language they read."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from bot.localslack.methods.base import ApiContext, ApiError, Args, Handler, paginate


def info(ctx: ApiContext, args: Args) -> dict[str, Any]:
    user = ctx.user(args.text("user"))
    return {"user": user.to_api(ctx.ws.team.id, ctx.clock.now(), args.flag("include_locale"))}


def list_(ctx: ApiContext, args: Args) -> dict[str, Any]:
    users = list(ctx.ws.users.values())
    page, cursor = paginate(users, args, default_limit=200)
    now = ctx.clock.now()
    return {
        "members": [u.to_api(ctx.ws.team.id, now, args.flag("include_locale")) for u in page],
        "cache_ts": ctx.now_epoch(),
        "response_metadata": {"next_cursor": cursor},
    }


def lookup_by_email(ctx: ApiContext, args: Args) -> dict[str, Any]:
    email = args.text("email").strip().lower()
    for user in ctx.ws.users.values():
        if user.email and user.email.lower() == email and not user.deleted:
            return {"user": user.to_api(ctx.ws.team.id, ctx.clock.now())}
    raise ApiError("users_not_found")


def usergroups_list(ctx: ApiContext, args: Args) -> dict[str, Any]:
    groups = [g.to_api(ctx.ws.team.id) for g in ctx.ws.usergroups.values()]
    if not args.flag("include_users"):
        for group in groups:
            group.pop("users")
    return {"usergroups": groups}


def usergroups_users_list(ctx: ApiContext, args: Args) -> dict[str, Any]:
    group = ctx.ws.usergroups.get(args.text("usergroup"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}


HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(
    {
        "users.info": info,
        "users.list": list_,
        "users.lookupByEmail": lookup_by_email,
        "usergroups.list": usergroups_list,
        "usergroups.users.list": usergroups_users_list,
    }
)
