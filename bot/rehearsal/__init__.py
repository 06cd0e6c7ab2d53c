"""Rehearsals: the whole bot against the local Slack stand-in, on a clock that runs faster."""
