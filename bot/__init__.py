"""webinar-bot: a Slack bot that runs live webinars."""

__version__ = "0.1.0"
