"""What the store keeps of a webinar for its report: saved by every replica that opens it."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine

from bot.questions.model import SessionInfo
from bot.store.questions import QuestionStore


def sessions(*titles: str) -> list[SessionInfo]:
    return [SessionInfo(f"s{n}", n, n, title, "Block") for n, title in enumerate(titles, 1)]


def test_replicas_opening_a_webinar_together_both_save_it(open_engine: Callable[[], Engine]) -> None:
    stores = [QuestionStore(open_engine(), "webinar") for _ in range(2)]
    errors: list[Exception] = []
    start = threading.Barrier(2)

    def open_it(store: QuestionStore) -> None:
        try:
            for _ in range(25):
                start.wait(10)
                store.save_webinar("Webinar", "Europe/Zurich", "2018-10-23", sessions("One", "Two"))
        except Exception as exc:
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=open_it, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [s.title for s in stores[0].sessions()] == ["One", "Two"]


def test_an_edit_that_drops_a_session_drops_it_from_the_store(engine: Engine) -> None:
    store = QuestionStore(engine, "webinar")
    store.save_webinar("Webinar", "Europe/Zurich", "2018-10-23", sessions("One", "Two", "Three"))
    store.save_webinar("Webinar", "Europe/Zurich", "2018-10-23", sessions("One", "Two (renamed)"))
    assert [s.title for s in store.sessions()] == ["One", "Two (renamed)"]
    info = store.webinar_info()
    assert info is not None and info.title == "Webinar"
