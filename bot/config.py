"""Settings from the environment or `.env` (python-dotenv); secrets never appear in logs or reprs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.manifest import bot_scopes

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///webinar-bot.db"


def _mask(secret: str) -> str:
    return f"{secret[:5]}…({len(secret)} chars)" if secret else "(not set)"


@dataclass(frozen=True)
class Settings:
    bot_token: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    api_url: str = SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    matrix_homeserver: str = ""
    matrix_user_id: str = ""
    matrix_access_token: str = field(default="", repr=False)
    matrix_password: str = field(default="", repr=False)

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.bot_token)

    @property
    def has_matrix_credentials(self) -> bool:
        return bool(
            self.matrix_homeserver
            and self.matrix_user_id
            and (self.matrix_access_token or self.matrix_password)
        )

    def describe(self) -> str:
        """For logs: which settings are set, with every secret masked."""
        return (
            f"SLACK_API_URL={self.api_url} SLACK_BOT_TOKEN={_mask(self.bot_token)} "
            f"SLACK_APP_TOKEN={_mask(self.app_token)} SLACK_SIGNING_SECRET={_mask(self.signing_secret)} "
            f"DATABASE_URL={self.database_url}"
            + (
                f" MATRIX_HOMESERVER={self.matrix_homeserver} MATRIX_USER_ID={self.matrix_user_id} "
                f"MATRIX_ACCESS_TOKEN={_mask(self.matrix_access_token)} "
                f"MATRIX_PASSWORD={'(set)' if self.matrix_password else '(not set)'}"
                if self.matrix_homeserver or self.matrix_user_id
                else ""
            )
        )

    def __repr__(self) -> str:
        return f"Settings({self.describe()})"


def load_settings(env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """The process environment wins over `.env`, which wins over the defaults."""
    values: dict[str, str] = {}
    if dotenv is not None and dotenv.is_file():
        values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    values.update(os.environ if env is None else env)

    def get(name: str, default: str = "") -> str:
        return (values.get(name) or default).strip()

    api_url = get("SLACK_API_URL", SLACK_API_URL)
    if not api_url.endswith("/"):
        api_url += "/"
    return Settings(
        bot_token=get("SLACK_BOT_TOKEN"),
        app_token=get("SLACK_APP_TOKEN"),
        signing_secret=get("SLACK_SIGNING_SECRET"),
        api_url=api_url,
        database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
        matrix_homeserver=get("MATRIX_HOMESERVER"),
        matrix_user_id=get("MATRIX_USER_ID"),
        matrix_access_token=get("MATRIX_ACCESS_TOKEN"),
        matrix_password=get("MATRIX_PASSWORD"),
    )


@dataclass(frozen=True)
class InstallSettings:
    """OAuth mode, for an app installed in several workspaces: set by `SLACK_CLIENT_ID` and
    `SLACK_CLIENT_SECRET`. `SLACK_SCOPES` (comma-separated) defaults to the manifest's bot scopes;
    `SLACK_INSTALL_REDIRECT_URI` is needed only when the app has several Redirect URLs."""

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    scopes: tuple[str, ...] = ()
    redirect_uri: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def describe(self) -> str:
        return (
            f"SLACK_CLIENT_ID={self.client_id or '(not set)'} "
            f"SLACK_CLIENT_SECRET={_mask(self.client_secret)} SLACK_SCOPES={','.join(self.scopes)} "
            f"SLACK_INSTALL_REDIRECT_URI={self.redirect_uri or '(not set)'}"
        )

    def __repr__(self) -> str:
        return f"InstallSettings({self.describe()})"


def load_install_settings(
    env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> InstallSettings:
    """As `load_settings`: the process environment wins over `.env`, which wins over the defaults."""
    values: dict[str, str] = {}
    if dotenv is not None and dotenv.is_file():
        values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    values.update(os.environ if env is None else env)
    scopes = [s.strip() for s in (values.get("SLACK_SCOPES") or "").split(",") if s.strip()]
    return InstallSettings(
        client_id=(values.get("SLACK_CLIENT_ID") or "").strip(),
        client_secret=(values.get("SLACK_CLIENT_SECRET") or "").strip(),
        scopes=tuple(scopes) if scopes else tuple(sorted(bot_scopes())),
        redirect_uri=(values.get("SLACK_INSTALL_REDIRECT_URI") or "").strip(),
    )
