"""Matrix settings from the environment, never shown in logs."""

from __future__ import annotations

from bot.config import load_settings

TOKEN = "syt_d2ViaW5hcmJvdA_secretsecretsecret_0abc12"
PASSWORD = "correct horse battery staple"


def test_matrix_settings_are_read_and_their_secrets_never_shown() -> None:
    settings = load_settings(
        {
            "MATRIX_HOMESERVER": "https://matrix.example.org",
            "MATRIX_USER_ID": "@webinarbot:example.org",
            "MATRIX_ACCESS_TOKEN": TOKEN,
            "MATRIX_PASSWORD": PASSWORD,
        },
        dotenv=None,
    )
    assert settings.has_matrix_credentials and settings.matrix_access_token == TOKEN
    shown = settings.describe() + repr(settings)
    assert "MATRIX_HOMESERVER=https://matrix.example.org" in shown and "MATRIX_PASSWORD=(set)" in shown
    assert TOKEN[6:] not in shown and PASSWORD not in shown and PASSWORD[:5] not in shown


def test_matrix_needs_a_homeserver_an_account_and_a_token_or_password() -> None:
    base = {"MATRIX_HOMESERVER": "https://m.example.org", "MATRIX_USER_ID": "@b:example.org"}
    assert not load_settings(base, dotenv=None).has_matrix_credentials
    assert load_settings({**base, "MATRIX_PASSWORD": "pw"}, dotenv=None).has_matrix_credentials
    assert "MATRIX" not in load_settings({}, dotenv=None).describe()  # a Slack bot's log says nothing of it
