"""An asyncio event loop on a thread of its own, for a synchronous caller of an async library.

The chat port is synchronous (the sender calls it from its own threads) and matrix-nio is asyncio;
one loop thread owns the client and every call is handed to it and waited for, within a bound.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopClosed(RuntimeError):
    """A call handed to a loop that has stopped."""


class LoopThread:
    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.loop.is_closed()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """The coroutine's result; TimeoutError when it takes longer than `timeout` (it is cancelled),
        LoopClosed when the loop has stopped."""
        if not self.running:
            coroutine.close()
            raise LoopClosed("the event loop has stopped")
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout:.0f} s") from None

    def stop_soon(self) -> None:
        """Stop the loop once the current callbacks have run (from any thread, the loop's own too)."""
        if self.running:
            self.loop.call_soon_threadsafe(self.loop.stop)

    def spawn(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def stop(self) -> None:
        self.stop_soon()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)
