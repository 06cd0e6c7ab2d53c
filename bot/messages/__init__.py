"""Messages: Jinja2 templates rendered to Slack text and Block Kit, every outside string escaped."""
