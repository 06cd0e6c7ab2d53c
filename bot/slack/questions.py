"""The question flow's Slack side: threads, copies, confirmations, votes, the moderators' digest,
the App Home list, the modal and the report upload.

It turns Slack payloads into `QuestionDesk` calls (which store before anything is posted) and the
results into posts through the sender, below cues in priority. Each copy of a question carries its
own key, so a restart re-posts only the copies Slack does not have.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.agenda.model import Agenda
from bot.clock import Clock
from bot.messages.mrkdwn import channel_link, escape, mention
from bot.messages.render import Message
from bot.questions.desk import Filed, QuestionDesk
from bot.questions.report import render as render_report
from bot.questions.routing import session_titles
from bot.questions.text import one_line, shown
from bot.runtime.cue_runner import CueRunner
from bot.slack.directory import Resolution
from bot.slack.sender import Post, Priority, Result, SlackSender
from bot.store.questions import GENERAL, Question, QuestionStatus, QuestionStore
from bot.timeline.cue import Cue, Kind, cue_id

log = logging.getLogger(__name__)

ASK_CALLBACK = "ask_question"
SHORTCUT_CALLBACK = "ask_in_webinar"
ANSWERED, HIDE, PIN, SHOW_ALL = "question_answered", "question_hide", "question_pin", "questions_show_all"
DIGEST_TOP = 10
ANONYMITY_NOTE = "Participants will not see your name; moderators can (to stop abuse)"
QUESTION_MAX = 3000  # the modal's input limit


@dataclass
class _Pending:
    copies: dict[str, list[int]] = field(
        default_factory=dict
    )  # session key -> question ids waiting for a thread
    opening: set[str] = field(default_factory=set)


class QuestionsEdge:
    def __init__(
        self,
        desk: QuestionDesk,
        store: QuestionStore,
        sender: SlackSender,
        client: WebClient,
        runner: CueRunner,
        clock: Clock,
        agenda: Callable[[], Agenda],
        resolution: Callable[[], Resolution],
        bot_user: Callable[[], str],
        is_moderator: Callable[[str], bool],
        say: Callable[[str], None],
    ) -> None:
        self.desk = desk
        self.store = store
        self.sender = sender
        self.client = client
        self.runner = runner
        self.clock = clock
        self._agenda = agenda
        self._resolution = resolution
        self._bot_user = bot_user
        self.is_moderator = is_moderator
        self.say = say
        self._pending = _Pending()
        self._lock = threading.RLock()
        self._permalinks: dict[str, str] = {}
        self.home_viewers: set[str] = set()

    # -- places -----------------------------------------------------------------------------------

    @property
    def questions_channel(self) -> str:
        return self._resolution().channels["questions"]

    def titles(self) -> dict[str, str]:
        return session_titles(self._agenda())

    def is_questions_channel(self, channel: str) -> bool:
        return channel == self._resolution().channels.get("questions")

    # -- threads ----------------------------------------------------------------------------------

    def on_cue_posted(self, cue: Cue, channel: str, ts: str) -> None:
        """A session's thread parent is out: remember it and post the copies that waited for it."""
        if cue.kind is Kind.THREAD_OPEN:
            self.store.set_thread(cue.subject, channel, ts)
            self._flush(cue.subject)

    def ensure_thread(self, session_key: str) -> None:
        """Open a session's thread now if it is not open yet (a question came before its session)."""
        with self._lock:
            if self.store.thread_for(session_key) is not None or session_key in self._pending.opening:
                return
            self._pending.opening.add(session_key)
        if session_key != GENERAL and self.runner.fire_now(
            cue_id(Kind.THREAD_OPEN, session_key, "questions")
        ):
            return  # the cue's post will open it (on_cue_posted)
        title = self.titles().get(session_key, "Questions")
        emoji = self._agenda().settings.vote_emoji
        text = (
            f":question: *{escape(title)}*\n*Reply in this thread* to ask a question; vote with :{emoji}: "
            "for the ones you want answered."
        )
        args = {"channel": self.questions_channel, "text": text}
        self.sender.submit(
            Post(
                "chat.postMessage",
                args,
                Priority.QUESTION,
                key=f"thread:{session_key}",
                on_done=lambda r: self._thread_posted(session_key, r),
            )
        )

    def _thread_posted(self, session_key: str, result: Result) -> None:
        if result.ok and result.channel and result.ts:
            self.store.set_thread(session_key, result.channel, result.ts)
            self._flush(session_key)
        else:
            with self._lock:
                self._pending.opening.discard(session_key)

    def _flush(self, session_key: str) -> None:
        with self._lock:
            waiting = self._pending.copies.pop(session_key, [])
            self._pending.opening.discard(session_key)
        for question_id in waiting:
            question = self.store.get(question_id)
            if question is not None:
                self._post_copy(question)

    def _learn_thread(self, channel: str, thread_ts: str) -> None:
        """A reply reached a thread of the bot's before the bot heard back that its parent was posted:
        read which session the parent opened from its metadata."""
        try:
            data = self.client.conversations_replies(
                channel=channel, ts=thread_ts, limit=1, include_all_metadata=True
            ).data
        except SlackApiError:
            return
        assert isinstance(data, dict)
        messages = data.get("messages") or []
        key = (
            str(((messages[0].get("metadata") or {}).get("event_payload") or {}).get("key", ""))
            if messages
            else ""
        )
        session_key = None
        if key.startswith("thread_open:") and key.endswith("@questions"):
            session_key = key[len("thread_open:") : -len("@questions")]
        elif key.startswith("thread:"):
            session_key = key[len("thread:") :]
        if session_key:
            self.store.set_thread(session_key, channel, thread_ts)

    def permalink(self, session_key: str) -> str | None:
        thread = self.store.thread_for(session_key)
        if thread is None:
            return None
        if session_key not in self._permalinks:
            try:
                data = self.client.chat_getPermalink(channel=thread[0], message_ts=thread[1]).data
            except SlackApiError:
                return None
            assert isinstance(data, dict)
            self._permalinks[session_key] = str(data.get("permalink", ""))
        return self._permalinks[session_key] or None

    # -- copies -----------------------------------------------------------------------------------

    def copy(self, question: Question) -> None:
        """Put a question asked elsewhere into its session's thread (once the thread exists)."""
        if question.copy_ts:
            return
        if self.store.thread_for(question.session_key) is not None:
            self._post_copy(question)
            return
        with self._lock:
            self._pending.copies.setdefault(question.session_key, []).append(question.id)
        self.ensure_thread(question.session_key)

    def _copy_text(self, question: Question) -> str:
        who = (
            "*Anonymous question*" if question.anonymous else f"*Question from {mention(question.author_id)}*"
        )
        return f":question: {who}\n{shown(question.text)}"

    def _post_copy(self, question: Question) -> None:
        thread = self.store.thread_for(question.session_key)
        if thread is None or question.copy_ts:
            return
        args = {"channel": thread[0], "thread_ts": thread[1], "text": self._copy_text(question)}
        self.sender.submit(
            Post(
                "chat.postMessage",
                args,
                Priority.QUESTION,
                key=f"question:{question.id}",
                on_done=lambda r: self._copied(question.id, r),
            )
        )

    def _copied(self, question_id: int, result: Result) -> None:
        if result.ok and result.channel and result.ts:
            self.store.set_copy(question_id, result.channel, result.ts, self.clock.now())

    def recover(self) -> int:
        """After a restart: copy every open question that never got its copy (nothing is lost)."""
        missing = [
            q
            for q in self.store.all()
            if q.source != "thread"
            and not q.copy_ts
            and q.status in (QuestionStatus.OPEN, QuestionStatus.ANSWERED)
        ]
        for question in missing:
            self.copy(question)
        return len(missing)

    def where_it_went(self, filed: Filed) -> str:
        title = self.titles().get(filed.question.session_key, "the questions")
        link = self.permalink(filed.question.session_key)
        place = f"<{link}|{escape(title)}>" if link else f"*{escape(title)}*"
        if filed.question.anonymous:
            return f":white_check_mark: Thanks! Your question is in the thread {place}, anonymously."
        return f":white_check_mark: Thanks! Your question is in the thread {place}. Others can vote for it."

    # -- intake from events -----------------------------------------------------------------------

    def on_message(self, event: Mapping[str, Any]) -> None:
        channel = str(event.get("channel") or "")
        if not self.is_questions_channel(channel):
            return
        subtype = event.get("subtype")
        if subtype == "message_changed":
            self._on_edit(channel, event.get("message") or {})
            return
        if subtype == "message_deleted":
            self._on_delete(channel, str(event.get("deleted_ts") or ""))
            return
        if subtype not in (None, "thread_broadcast", "file_share") or event.get("bot_id"):
            return  # joins, leaves, topics, the bot's own posts: not questions
        user, ts, text = (
            str(event.get("user") or ""),
            str(event.get("ts") or ""),
            str(event.get("text") or ""),
        )
        if not user or not ts or user == self._bot_user() or not text.strip():
            return
        thread_ts = event.get("thread_ts")
        if thread_ts and thread_ts != ts:
            if self.store.session_of_thread(channel, str(thread_ts)) is None and (
                event.get("parent_user_id") == self._bot_user()
            ):
                self._learn_thread(channel, str(thread_ts))
            self.desk.from_thread_reply(channel, str(thread_ts), ts, user, text)
            return
        filed = self.desk.from_channel(channel, ts, user, text)
        if filed.created:
            self.copy(filed.question)
            self.sender.submit(
                Post(
                    "chat.postEphemeral",
                    {"channel": channel, "user": user, "text": self.where_it_went(filed)},
                    Priority.QUESTION,
                )
            )

    def _on_edit(self, channel: str, message: Mapping[str, Any]) -> None:
        ts, text = str(message.get("ts") or ""), str(message.get("text") or "")
        question = self.desk.edited(channel, ts, text)
        if question is not None and question.copy_channel and question.copy_ts:
            args = {
                "channel": question.copy_channel,
                "ts": question.copy_ts,
                "text": self._copy_text(question),
            }
            self.sender.submit(Post("chat.update", args, Priority.QUESTION))

    def _on_delete(self, channel: str, ts: str) -> None:
        question = self.desk.deleted(channel, ts)
        if question is not None and question.copy_channel and question.copy_ts:
            self.sender.submit(
                Post(
                    "chat.delete",
                    {"channel": question.copy_channel, "ts": question.copy_ts},
                    Priority.QUESTION,
                )
            )

    def on_reaction(self, event: Mapping[str, Any], added: bool) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message":
            return
        self.desk.reacted(
            str(item.get("channel") or ""),
            str(item.get("ts") or ""),
            str(event.get("user") or ""),
            str(event.get("reaction") or ""),
            added,
            self._bot_user(),
        )

    # -- /ask, the modal and the shortcut ---------------------------------------------------------

    def ask(self, user: str, text: str, trigger_id: str) -> str:
        filed = self.desk.from_command(f"ask:{trigger_id}", user, text.strip(), "ask")
        if filed.created:
            self.copy(filed.question)
        return self.where_it_went(filed)

    def modal(self, initial_text: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
        titles = self.titles()
        current = self.desk.session_at(self.clock.now())
        options = [
            {"text": {"type": "plain_text", "text": title[:75]}, "value": key}
            for key, title in titles.items()
        ]
        initial = next((o for o in options if o["value"] == current), options[0])
        question: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "text",
            "multiline": True,
            "max_length": QUESTION_MAX,
        }
        if initial_text:
            question["initial_value"] = initial_text[:QUESTION_MAX]
        return {
            "type": "modal",
            "callback_id": ASK_CALLBACK,
            "title": {"type": "plain_text", "text": "Ask a question"},
            "submit": {"type": "plain_text", "text": "Ask"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "private_metadata": json.dumps(dict(metadata))[:3000],
            "blocks": [
                {
                    "type": "input",
                    "block_id": "session",
                    "label": {"type": "plain_text", "text": "Session"},
                    "element": {
                        "type": "static_select",
                        "action_id": "session",
                        "options": options[:100],
                        "initial_option": initial,
                    },
                },
                {
                    "type": "input",
                    "block_id": "question",
                    "label": {"type": "plain_text", "text": "Your question"},
                    "element": question,
                },
                {
                    "type": "input",
                    "block_id": "anonymous",
                    "optional": True,
                    "label": {"type": "plain_text", "text": "Anonymity"},
                    "element": {
                        "type": "checkboxes",
                        "action_id": "anonymous",
                        "options": [
                            {
                                "text": {"type": "plain_text", "text": "Ask anonymously"},
                                "value": "yes",
                                "description": {
                                    "type": "plain_text",
                                    "text": ANONYMITY_NOTE,
                                },
                            }
                        ],
                    },
                },
            ],
        }

    def submit(self, user: str, view: Mapping[str, Any]) -> dict[str, str] | None:
        """A submitted modal: the question filed, or errors to show in the modal."""
        values = (view.get("state") or {}).get("values") or {}
        text = str(((values.get("question") or {}).get("text") or {}).get("value") or "").strip()
        if not text:
            return {"question": "Please write your question."}
        session = ((values.get("session") or {}).get("session") or {}).get("selected_option") or {}
        checked = ((values.get("anonymous") or {}).get("anonymous") or {}).get("selected_options") or []
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            metadata = {}
        origin = metadata.get("origin")
        filed = self.desk.from_command(
            f"view:{view.get('id') or metadata.get('key')}",
            user,
            text,
            str(metadata.get("source") or "modal"),
            anonymous=bool(checked),
            session_key=str(session.get("value") or "") or None,
            origin=(str(origin[0]), str(origin[1]))
            if isinstance(origin, list) and len(origin) == 2
            else None,
        )
        if filed.created:
            self.copy(filed.question)
            self._confirm(user, metadata, self.where_it_went(filed))
        return None

    def _confirm(self, user: str, metadata: Mapping[str, Any], text: str) -> None:
        url = metadata.get("response_url")
        if isinstance(url, str) and url.startswith("http"):
            try:
                WebhookClient(url).send(text=text, response_type="ephemeral")
                return
            except Exception:  # an expired response_url: say it in a direct message instead
                log.info("response_url refused the confirmation; sending a DM")
        self.sender.submit(Post("chat.postMessage", {"channel": user, "text": text}, Priority.QUESTION))

    # -- moderators -------------------------------------------------------------------------------

    def digest_questions(self, session_key: str | None, limit: int = DIGEST_TOP) -> list[dict[str, Any]]:
        return [
            {
                "id": q.id,
                "text": one_line(q.text),
                "votes": q.votes,
                "author": q.shown_author,
                "answered": q.status is QuestionStatus.ANSWERED,
            }
            for q in self.desk.ranked(session_key, limit)
        ]

    def digest_blocks(
        self, session_key: str, heading: str, limit: int | None = DIGEST_TOP
    ) -> list[dict[str, Any]]:
        shown_questions = self.desk.ranked(session_key, limit)
        total = len(shown_questions) if limit is None else self.desk.count(session_key)
        emoji = self._agenda().settings.vote_emoji
        tz = self._agenda().tz
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": heading[:3000]}}
        ]
        if not shown_questions:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "No questions yet."}]})
        for n, q in enumerate(shown_questions[:23], start=1):
            mark = " :white_check_mark:" if q.status is QuestionStatus.ANSWERED else ""
            pinned = " :pushpin:" if q.pinned_for == session_key else ""
            when = q.asked_at.astimezone(tz).strftime("%H:%M")
            who = "anonymous" if q.anonymous else escape(q.author_name)
            text = f"*{n}.*{pinned} {one_line(q.text)}{mark}\n{q.votes} :{emoji}: · {who} · {when}"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
            value = json.dumps({"q": q.id, "s": session_key})
            buttons = [
                {
                    "type": "button",
                    "action_id": ANSWERED,
                    "value": value,
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Answered"},
                },
                {
                    "type": "button",
                    "action_id": HIDE,
                    "value": value,
                    "text": {"type": "plain_text", "text": "Hide"},
                },
                {
                    "type": "button",
                    "action_id": PIN,
                    "value": value,
                    "text": {"type": "plain_text", "text": "Pin to next discussion"},
                },
            ]
            blocks.append({"type": "actions", "block_id": f"q{q.id}", "elements": buttons})
        if limit is not None and total > limit:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": "more",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": SHOW_ALL,
                            "value": session_key,
                            "text": {"type": "plain_text", "text": f"Show all {total}"},
                        }
                    ],
                }
            )
        return blocks[:50]

    def digest_message(self, cue: Cue, message: Message) -> Message:
        """The discussion's digest in backstage: the template's text, with Block Kit buttons."""
        session_key = str((cue.context.get("session") or {}).get("key") or "")
        return Message(message.text, self.digest_blocks(session_key, message.text.split("\n", 1)[0]))

    def moderate(self, action_id: str, value: str, user: str, container: Mapping[str, Any]) -> str | None:
        """A digest button; a reply for the moderator when there is something to say."""
        try:
            payload = json.loads(value)
            question_id, session_key = int(payload["q"]), str(payload["s"])
        except (ValueError, KeyError, TypeError):
            return "That button no longer works; `/webinar questions` shows a fresh list."
        reply = None
        if action_id == ANSWERED:
            question = self.desk.answered(question_id)
            if question is not None and question.message:
                channel, ts = question.message
                self.sender.submit(
                    Post(
                        "reactions.add",
                        {"channel": channel, "timestamp": ts, "name": "white_check_mark"},
                        Priority.REPLY,
                    )
                )
        elif action_id == HIDE:
            question = self.desk.hide(question_id)
            if question is not None and question.copy_channel and question.copy_ts:
                self.sender.submit(
                    Post(
                        "chat.delete",
                        {"channel": question.copy_channel, "ts": question.copy_ts},
                        Priority.REPLY,
                    )
                )
        elif action_id == PIN:
            question, following = self.desk.pin_to_next(question_id)
            title = self.titles().get(following or "", "")
            reply = f"Pinned to the top of {escape(title)}." if following else "There is no later discussion."
        self._refresh_digest(session_key, container)
        return reply

    def _refresh_digest(self, session_key: str, container: Mapping[str, Any]) -> None:
        channel = container.get("channel_id")
        ts = container.get("message_ts")
        if not channel or not ts or container.get("type") != "message":
            return
        title = self.titles().get(session_key, "Questions")
        heading = f":speech_balloon: *Questions for {escape(title)}*, most votes first"
        args = {
            "channel": channel,
            "ts": ts,
            "text": heading,
            "blocks": self.digest_blocks(session_key, heading),
        }
        self.sender.submit(Post("chat.update", args, Priority.REPLY, coalesce=f"digest:{channel}:{ts}"))

    def questions_reply(self, session_hint: str, buttons: bool = True) -> tuple[str, list[dict[str, Any]]]:
        """`/webinar questions [session]`: a session's ranked list (default: the one running, or next);
        moderation buttons for moderators only."""
        titles = self.titles()
        key = self.desk.session_at(self.clock.now())
        hint = session_hint.strip().lower()
        if hint:
            if hint.isdigit():
                numbered = [k for k, _ in titles.items() if k != GENERAL]
                key = numbered[int(hint) - 1] if 0 < int(hint) <= len(numbered) else key
            else:
                key = next((k for k, t in titles.items() if hint in t.lower() or hint in k), key)
        heading = f":speech_balloon: *Questions for {escape(titles.get(key, key))}*, most votes first"
        blocks = self.digest_blocks(key, heading)
        if not buttons:
            blocks = [b for b in blocks if b.get("type") != "actions"]
        return heading, blocks

    def home_view(self, user: str) -> dict[str, Any]:
        agenda = self._agenda()
        emoji = agenda.settings.vote_emoji
        if not self.is_moderator(user):
            text = (
                f"*{escape(agenda.title)}*\nAsk in {channel_link(self.questions_channel)}: post a "
                f"question, or reply in a session's thread, or use `/ask`. Vote with :{emoji}:."
            )
            return {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": "Questions, live"}}
        ]
        for key, title in self.titles().items():
            total = self.desk.count(key)
            if not total:
                continue
            section = self.digest_blocks(key, f"*{escape(title)}* ({total})", limit=3)
            if len(blocks) + len(section) > 95:
                blocks.append(
                    {
                        "type": "context",
                        "elements": [{"type": "mrkdwn", "text": "More in `/webinar questions <session>`."}],
                    }
                )
                break
            blocks += section
        if len(blocks) == 1:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "No questions yet."}})
        return {"type": "home", "blocks": blocks}

    def publish_home(self, user: str) -> None:
        self.sender.submit(
            Post(
                "views.publish",
                {"user_id": user, "view": self.home_view(user)},
                Priority.PANEL,
                coalesce=f"home:{user}",
            )
        )

    def refresh_homes(self) -> None:
        for user in list(self.home_viewers):
            self.publish_home(user)

    def reveal(self, question_id: int) -> str:
        question = self.store.get(question_id)
        if question is None:
            return f"There is no question {question_id}."
        if not question.anonymous:
            return f"Question {question_id} is not anonymous: {mention(question.author_id)} asked it."
        who = mention(question.author_id)
        return f"Question {question_id} was asked anonymously by {who}. Keep it to the moderators."

    def report(self, fmt: str = "md") -> str:
        info = self.store.webinar_info()
        if info is None:
            return ""
        return render_report(fmt, info, self.store.sessions(), self.store.all())

    def upload_report(self, channel: str) -> None:
        def upload() -> None:
            try:
                self.client.files_upload_v2(
                    channel=channel,
                    content=self.report("md"),
                    filename="questions.md",
                    title="Questions report",
                    initial_comment="The questions report, ready to paste into the minutes.",
                )
            except SlackApiError as exc:
                log.error("report upload failed: %s", exc)
                self.say(
                    ":warning: The questions report could not be uploaded; `webinar-bot report` writes it."
                )

        threading.Thread(target=upload, name="report-upload", daemon=True).start()
