"""The local Slack stand-in's own cost per `chat.postMessage` round trip, through the real WebClient.

Later benchmarks that run the bot against the stand-in subtract this overhead:

    from bench_localslack_overhead import measure_post_overhead
    overhead_ms = measure_post_overhead(500)["p50_ms"]

Two figures are printed: the stand-in (HTTP + parsing + checks + state + transcript + event fan-out)
and, for scale, a bare HTTP server answering a fixed `{"ok": true}` to the same client, i.e. what
urllib and loopback alone cost. Rate limits are off so the numbers measure work, not waiting.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_sdk import WebClient

from bot.localslack import LocalSlack


def _summary(samples: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": float(len(samples)),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "max_ms": ordered[-1] * 1000,
        "mean_ms": statistics.fmean(ordered) * 1000,
        "requests_per_s": len(samples) / elapsed,
    }


def _time_calls(call: Callable[[int], Any], n: int, warmup: int) -> dict[str, float]:
    for i in range(warmup):
        call(i)
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - t0)
    return _summary(samples, time.perf_counter() - started)


def measure_post_overhead(n: int = 2000, warmup: int = 50) -> dict[str, float]:
    """Round-trip figures (ms, requests/s) of `chat.postMessage` through the WebClient to the stand-in."""
    with LocalSlack(rate_limits=False) as slack:
        client = slack.web_client(retry_handlers=[])
        channels = [
            client.conversations_join(channel=slack.channel_id(name))["channel"]["id"]
            for name in ("general", "sp-webinar", "sp-webinar-questions", "psi-panel-7")
        ]

        def post(i: int) -> None:
            client.chat_postMessage(channel=channels[i % len(channels)], text=f"benchmark message {i}")

        return _time_calls(post, n, warmup)


class _Fixed(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = json.dumps({"ok": True, "channel": "C1", "ts": "1.000000"}).encode()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def measure_bare_http(n: int = 2000, warmup: int = 50) -> dict[str, float]:
    """The same client against a server that does nothing: the floor under the stand-in's figures."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fixed)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        client = WebClient(
            token="xoxb-bench", base_url=f"http://127.0.0.1:{server.server_port}/api/", retry_handlers=[]
        )
        return _time_calls(lambda i: client.chat_postMessage(channel="C1", text=f"m{i}"), n, warmup)
    finally:
        server.shutdown()
        server.server_close()


def _line(label: str, figures: dict[str, float]) -> str:
    return (
        f"{label:<22} n={int(figures['n'])}  p50 {figures['p50_ms']:.2f} ms  p99 {figures['p99_ms']:.2f} ms  "
        f"max {figures['max_ms']:.2f} ms  {figures['requests_per_s']:.0f} req/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="posts to time (default 2000)")
    args = parser.parse_args()
    stand_in = measure_post_overhead(args.n)
    bare = measure_bare_http(args.n)
    print(_line("localslack postMessage", stand_in))
    print(_line("bare HTTP (floor)", bare))
    print(
        f"stand-in's own work per post: p50 {stand_in['p50_ms'] - bare['p50_ms']:.2f} ms above the HTTP floor"
    )


if __name__ == "__main__":
    main()
