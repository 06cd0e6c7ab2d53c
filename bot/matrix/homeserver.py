"""A real Synapse homeserver on loopback, for tests and rehearsals: started, populated, stopped.

Synapse installs from the package index (`matrix-synapse`) and starts in a few seconds on SQLite, so
the Matrix adapter is tested against the real server rather than a stand-in. The config is the one
Synapse generates, with only what a throw-away server on one machine needs changed: it listens on
127.0.0.1 on a free port (client API only, no federation, no key servers), keeps its database and
media in a temporary directory, and lets accounts be registered with a shared secret (Synapse's
admin registration API, HMAC-SHA1 over a nonce). Rate limits stay as shipped; the bot's own account
is exempted the way an operator would (the admin API's `override_ratelimit`).

This talks to Synapse's admin API with the standard library: the bot itself uses matrix-nio.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

START_TIMEOUT = 90.0  # seconds: a loaded two-core machine starts Synapse in about 5


class SynapseUnavailable(Exception):
    """Synapse cannot run here (not installed, or it would not start); the message says why."""


@dataclass(frozen=True)
class Account:
    user_id: str
    access_token: str
    password: str
    device_id: str = ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def synapse_installed() -> bool:
    try:
        import synapse  # noqa: F401
    except ImportError:
        return False
    return True


class LocalSynapse:
    """One Synapse process with its own directory; `start()`, `register()` accounts, `stop()`."""

    def __init__(self, directory: Path, server_name: str = "localhost", port: int | None = None) -> None:
        self.directory = directory
        self.server_name = server_name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = os.urandom(24).hex()
        self._process: subprocess.Popen[bytes] | None = None

    # -- life cycle --------------------------------------------------------------------------------

    def _generate(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "homeserver.yaml"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                self.server_name,
                "--config-path",
                str(config),
                "--data-directory",
                str(self.directory),
                "--generate-config",
                "--report-stats=no",
            ],
            capture_output=True,
            cwd=self.directory,
            timeout=START_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise SynapseUnavailable(f"synapse could not generate a config: {done.stderr.decode()[-500:]}")
        settings: dict[str, Any] = yaml.safe_load(config.read_text())
        settings.update(
            listeners=[
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            registration_shared_secret=self.shared_secret,
            trusted_key_servers=[],
            federation_domain_whitelist=[],
            enable_registration=False,
            url_preview_enabled=False,
            presence={"enabled": False},
            bcrypt_rounds=4,  # throw-away accounts: hashing costs nothing worth protecting here
            suppress_key_server_warning=True,
        )
        config.write_text(yaml.safe_dump(settings))
        return config

    def start(self, timeout: float = START_TIMEOUT) -> LocalSynapse:
        if not synapse_installed():
            raise SynapseUnavailable("matrix-synapse is not installed (pip install -e '.[dev]')")
        config = self._generate()
        log = (self.directory / "synapse.stderr").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "--config-path", str(config)],
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = (self.directory / "synapse.stderr").read_text(errors="replace")[-800:]
                raise SynapseUnavailable(f"synapse exited with {self._process.returncode}: {tail}")
            try:
                self.request("GET", "/_matrix/client/versions")
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        self.stop()
        raise SynapseUnavailable(f"synapse did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> LocalSynapse:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the client and admin APIs -------------------------------------------------------------------

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str = ""
    ) -> dict[str, Any]:
        """One JSON request to this homeserver (with `token`, as that account); HTTPError if refused."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read() or b"{}")
        return answer if isinstance(answer, dict) else {}

    def register(self, localpart: str, displayname: str = "", admin: bool = False) -> Account:
        """A new account, by shared secret (Synapse's admin registration: HMAC-SHA1 over a nonce)."""
        password = os.urandom(12).hex()
        nonce = str(self.request("GET", "/_synapse/admin/v1/register")["nonce"])
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce, localpart, password):
            mac.update(part.encode())
            mac.update(b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        answer = self.request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "displayname": displayname or localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return Account(
            str(answer["user_id"]), str(answer["access_token"]), password, str(answer.get("device_id", ""))
        )

    def exempt_from_rate_limits(self, admin: Account, user_id: str) -> None:
        """What an operator does for a bot account: no message rate limit for it (everyone else keeps
        the shipped limits)."""
        quoted = urllib.parse.quote(user_id)
        self.request(
            "POST",
            f"/_synapse/admin/v1/users/{quoted}/override_ratelimit",
            {"messages_per_second": 0, "burst_count": 0},
            token=admin.access_token,
        )

    def create_room(self, owner: Account, alias: str, public: bool, invite: list[str]) -> str:
        """A room under `#alias:server`, made by `owner` (its creator: a moderator there)."""
        answer = self.request(
            "POST",
            "/_matrix/client/v3/createRoom",
            {
                "preset": "public_chat" if public else "private_chat",
                "room_alias_name": alias,
                "name": alias,
                "invite": invite,
            },
            token=owner.access_token,
        )
        return str(answer["room_id"])

    def keyed_posts(self, account: Account, rooms: list[str], key_field: str) -> dict[str, list[int]]:
        """When (ms since the epoch, by the homeserver) `account` posted each message carrying a key, by key:
        in `rooms` and in every direct room of its `m.direct`."""
        quoted = urllib.parse.quote(account.user_id)
        try:
            direct = self.request(
                "GET", f"/_matrix/client/v3/user/{quoted}/account_data/m.direct", token=account.access_token
            )
        except urllib.error.HTTPError:
            direct = {}
        everywhere = set(rooms) | {
            str(r) for found in direct.values() if isinstance(found, list) for r in found
        }
        stamps: dict[str, list[int]] = {}
        flt = urllib.parse.quote(json.dumps({"senders": [account.user_id], "types": ["m.room.message"]}))
        for room in everywhere:
            start = ""
            while True:
                page = self.request(
                    "GET",
                    f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/messages?dir=b&limit=500&filter={flt}"
                    + (f"&from={urllib.parse.quote(start)}" if start else ""),
                    token=account.access_token,
                )
                for event in page.get("chunk") or []:
                    key = (event.get("content") or {}).get(key_field)
                    if key:
                        stamps.setdefault(str(key), []).append(int(event.get("origin_server_ts") or 0))
                start = str(page.get("end") or "")
                if not page.get("chunk") or not start:
                    break
        return stamps
