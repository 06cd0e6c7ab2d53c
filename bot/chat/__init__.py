"""The chat port: what the bot needs from any chat platform, in platform-neutral terms.

Nothing here imports a platform library. The runtime and the question desk speak only these
values; each platform (Slack today) is one adapter that writes them in its own markup and
translates its payloads into them.
"""
