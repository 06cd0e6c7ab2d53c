"""The e2e fixtures (bot.localslack on a ManualClock, a harness to run bots): see e2e.fixtures."""

from e2e.fixtures import clock, harness, harness_on_any_store, slack

__all__ = ["clock", "harness", "harness_on_any_store", "slack"]
