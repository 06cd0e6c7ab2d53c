"""The Slack edge: the Web API client, the sender, the Bolt app and its thin listeners."""
