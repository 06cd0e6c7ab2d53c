"""The serve fixtures: the stand-in on a ManualClock (e2e.fixtures), a folder of small schedules, and a
harness that starts `serve` processes (fleets) against them."""

from e2e.fixtures import clock, slack

from serve.harness import fleet_harness

__all__ = ["clock", "fleet_harness", "slack"]
