"""oauth.v2.access and apps.uninstall: the app's own methods, which reach past the calling workspace."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from bot.localslack.methods.base import ApiContext, ApiError, AppLevel, Args, Handler


def _app(ctx: ApiContext) -> AppLevel:
    if ctx.app is None:
        raise ApiError("not_allowed")
    return ctx.app


def oauth_v2_access(ctx: ApiContext, args: Args) -> dict[str, Any]:
    """Exchange an authorisation code for the workspace's bot token (client credentials by form or Basic)."""
    return _app(ctx).exchange_code(
        args.text("client_id"), args.text("client_secret"), args.text("code"), args.text("redirect_uri")
    )


def apps_uninstall(ctx: ApiContext, args: Args) -> dict[str, Any]:
    """Uninstall the app from the workspace whose token called."""
    _app(ctx).uninstall_app(ctx.ws.team.id, args.text("client_id"), args.text("client_secret"))
    return {}


HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(
    {"oauth.v2.access": oauth_v2_access, "apps.uninstall": apps_uninstall}
)
