"""One listener per deployment, for a platform that hands every event to every connection of an
account.

Slack deals each event to one of a deployment's connections (one Socket Mode connection, or the
one HTTP endpoint behind a load balancer), so every replica listens. A Matrix sync loop instead
sees everything the account sees: two replicas syncing would both take each question and both
answer each command. There, only the holder of the account's listening lease listens (a lease like a
webinar's: it dies with its holder, `bot.store.lease`); the others stand by and one takes over
within a pass when it goes. The adapter's stored sync position makes the handover lose and repeat
nothing. Which platforms need this is the composition root's to say.
"""

from __future__ import annotations

import logging
import threading

from bot.chat.port import ChatPort, Inbox
from bot.store.lease import SchedulerLease

log = logging.getLogger(__name__)


def lease_key(account: str) -> str:
    """The lease of one chat account's listening (beside the webinars' leases, keyed by slugs)."""
    return f"listening:{account}"


class SoleListener:
    def __init__(self, chat: ChatPort, inbox: Inbox, lease: SchedulerLease) -> None:
        self.chat = chat
        self.inbox = inbox
        self.lease = lease
        self.listening = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, interval: float, background: bool = True) -> None:
        """Listen now if no other replica does; else (in the background) try again every `interval`."""
        if self.poll() or not background:
            return
        self._thread = threading.Thread(target=self._run, args=(interval,), name="listener", daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                if self.poll():
                    return
            except Exception:  # the database away a moment: the next pass tries again
                log.exception("could not ask whether another replica listens; trying again")

    def poll(self) -> bool:
        """Take the listening lease and listen, if free; whether this replica listens now."""
        if self.listening:
            return True
        if not self.lease.acquire(0.0):
            return False
        self.chat.listen(self.inbox)
        self.listening = True
        log.info("listening for every webinar (%s)", self.lease.webinar)
        return True

    def stop(self) -> None:
        """Stop trying (the adapter, closed by its owner, stops listening) and let the lease go."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self.lease.release()
