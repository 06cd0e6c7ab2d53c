"""What a load balancer asks a running process: can it do its work?

The HTTP front end serves `Health` at `/healthz`; what "healthy" means is the runtime's to decide (the
database answers, the leases it should hold are held), so it hands the front end a check, a
`Callable[[], Health]`, and the front end only reports it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Health:
    """`ok` decides the answer (200 or 503); the other fields say why, for whoever looks."""

    ok: bool
    database: bool = True
    leases: int = 0
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
