"""api.test, auth.test, team.info, bots.info and apps.connections.open: identity and connection."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from bot.localslack.methods.base import ApiContext, ApiError, Args, Handler


def api_test(ctx: ApiContext, args: Args) -> dict[str, Any]:
    echoed = {k: v for k, v in args.values.items() if k != "token"}
    if args.has("error"):
        raise ApiError(args.text("error"), args=echoed)
    return {"args": echoed} if echoed else {}


def auth_test(ctx: ApiContext, args: Args) -> dict[str, Any]:
    return {
        "url": f"https://{ctx.ws.team.domain}.slack.com/",  # as Slack answers: the workspace's own URL
        "team": ctx.ws.team.name,
        "user": ctx.ws.bot.name,
        "team_id": ctx.ws.team.id,
        "user_id": ctx.ws.bot.user_id,
        "bot_id": ctx.ws.bot.bot_id,
        "is_enterprise_install": False,
    }


def team_info(ctx: ApiContext, args: Args) -> dict[str, Any]:
    team = ctx.ws.team
    return {
        "team": {
            "id": team.id,
            "name": team.name,
            "domain": team.domain,
            "email_domain": "example.org",
            "icon": {"image_default": True},
        }
    }


def bots_info(ctx: ApiContext, args: Args) -> dict[str, Any]:
    bot = ctx.ws.bot
    if args.text("bot") != bot.bot_id:
        raise ApiError("bot_not_found")
    profile = bot.profile(ctx.ws.team.id)
    return {"bot": {**profile, "user_id": bot.user_id}}


def connections_open(ctx: ApiContext, args: Args) -> dict[str, Any]:
    return {"url": ctx.sockets.issue_url()}


HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(
    {
        "api.test": api_test,
        "auth.test": auth_test,
        "team.info": team_info,
        "bots.info": bots_info,
        "apps.connections.open": connections_open,
    }
)
