"""A local Slack stand-in that the real slack_bolt App and slack_sdk WebClient talk to unchanged.

Used by the tests of every feature and by the rehearsal command, which runs a whole webinar against it
when no Slack credentials are set. See `LocalSlack` (server.py) for the entry point.
"""

from bot.localslack.delivery import DeliveryResult
from bot.localslack.faults import Faults
from bot.localslack.server import LocalSlack
from bot.localslack.simulate import SimulatedUser
from bot.localslack.transcript import Entry, Transcript
from bot.localslack.workspace import Workspace

__all__ = [
    "DeliveryResult",
    "Entry",
    "Faults",
    "LocalSlack",
    "SimulatedUser",
    "Transcript",
    "Workspace",
]
