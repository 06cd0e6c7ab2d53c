"""Valid signed events per second through HTTP mode: the bot's receiver (waitress, the guard, Bolt) beside
the `wsgiref` server it replaced (Bolt verifying the signature itself).

Both serve a Bolt app with the bot's listeners, handing message events to an inbox that drops them, so
the figures are the transport's and the checks' cost, not the webinar's. Clients send over keep-alive
connections (wsgiref closes each one, as it always did), from `--clients` threads.

    python bench/bench_http_guard.py --requests 2000 --clients 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.chat.inbound import Inbound
from bot.chat.port import Reply
from bot.clock import SystemClock
from bot.localslack import LocalSlack
from bot.slack import listeners
from bot.slack.adapter import SlackChat
from bot.slack.app import HttpReceiver, build_app


class DropInbox:
    def receive(self, event: Inbound) -> Reply | None:
        return None


class _Threading(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def event(n: int) -> bytes:
    now = time.time()
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event_id": f"Ev{n:08d}",
            "event_time": int(now),
            "event": {"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": f"{now:.6f}"},
        }
    ).encode()


def drive(port: int, secret: str, requests: int, clients: int) -> dict[str, float]:
    verifier = SignatureVerifier(secret)
    latencies: list[float] = []
    lock = threading.Lock()
    statuses: dict[int, int] = {}

    def client(share: int, offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        for i in range(share):
            body = event(offset + i)
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": str(verifier.generate_signature(timestamp=stamp, body=body)),
            }
            started = time.perf_counter()
            conn.request("POST", "/slack/events", body, headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        with lock:
            latencies.extend(mine)

    share = requests // clients
    threads = [threading.Thread(target=client, args=(share, k * share)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    assert set(statuses) == {200}, statuses
    return {
        "requests_per_s": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    clock = SystemClock()
    with LocalSlack(clock=clock, rate_limits=False) as slack:
        chat = SlackChat(slack.bot_token, slack.api_url, clock, signing_secret=slack.signing_secret)
        identity = chat.identity()
        secret = slack.signing_secret

        app = build_app(chat.client, secret, DropInbox(), identity, clock)
        receiver = HttpReceiver(app, 0, "127.0.0.1", signing_secret=secret, clock=clock)
        receiver.start()

        old_app = App(
            client=chat.client,
            signing_secret=secret,
            process_before_response=True,
            token_verification_enabled=False,
            ignoring_self_events_enabled=True,
            raise_error_for_unhandled_request=False,
        )
        listeners.register(old_app, DropInbox(), listeners.Translator(identity, clock))
        old = make_server(
            "127.0.0.1", 0, SlackRequestHandler(old_app), server_class=_Threading, handler_class=_Quiet
        )
        serve: Callable[[], None] = old.serve_forever
        threading.Thread(target=serve, daemon=True).start()
        try:
            for name, port in (("waitress + guard", receiver.port), ("wsgiref (before)", old.server_port)):
                drive(port, secret, min(200, args.requests), args.clients)  # warm up
                figures = drive(port, secret, args.requests, args.clients)
                print(
                    f"{name:18} {figures['requests_per_s']:8.0f} requests/s   "
                    f"p50 {figures['p50_ms']:6.2f} ms   p99 {figures['p99_ms']:6.2f} ms"
                )
        finally:
            receiver.stop()
            old.shutdown()
            old.server_close()


if __name__ == "__main__":
    main()
