"""Thin Bolt listeners, one module per feature: ack, parse the payload, call a plain function, post."""
