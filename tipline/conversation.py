"""What the tipline answers to one message: respond() (the worker calls it, stores and sends
the answers; nothing is sent from here).

A person sends a value alone (link, domain, e-mail, phone, account): the single-check answer of
/kiem-tra/. A message: the analysis of /kiem-tra-tin-nhan/, short. An image: kept as evidence.
"Tố giác" asks three questions, one a message (what happened, money lost, commune) and makes a
Report; "Hỏi cán bộ" makes one at once for the verifiers to look at. The conversation's step
is conversation.state; what it gathered is conversation.draft:

    last      the last message or value checked (reporting.Analysed)
    report    the answers of the "Tố giác" being made (reporting.Gathered)
    choices   the unit pks offered for the commune (a pressed choice must be one of them)
    evidence  the signed reference of the images kept (reporting.kept_evidence)
    unit      the unit of the person's last report (where "Hỏi cán bộ" files the next)
    replay    the event answered last and its answers: a re-run of it answers the same again
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from detection.analysis import analyse_message
from indicators.kinds import Kind
from lib.amounts import AmountError, parse_amount
from lib.text import strip_refused
from lookup.verdicts import (
    INVALID,
    LISTED,
    SUSPICIOUS,
    Check,
    add_details,
    check_value,
    looks_like_message,
)
from orgs.models import Unit
from orgs.widgets import fold
from reports.evidence import MAX_FILES, clean_file
from reports.forms import MAX_MONEY, found_indicators
from reports.models import Channel, ScamType

from . import answers
from .answers import QuickReply, Reply
from .models import Conversation, InboundEvent, State
from .reporting import (
    Analysed,
    Gathered,
    channel_of_value,
    citizen_unit,
    drop_evidence,
    fallback_unit,
    keep_image,
    make_report,
    match_unit,
    scam_type_of,
)

__all__ = ["Incoming", "QuickReply", "Reply", "respond"]

logger = logging.getLogger(__name__)

MAX_TEXT = 4000  # characters of a message read; the rest is cut with a note
MAX_WHAT = 2000  # characters of "what happened"
GREETING_WORDS = 4  # fewer words and nothing to check: not a message to analyse

# What a value sent alone is answered about; any other kind ("alo" reads as a sender's name)
# gets the short help.
SINGLE_KINDS = frozenset(
    {
        Kind.URL,
        Kind.DOMAIN,
        Kind.EMAIL,
        Kind.PHONE,
        Kind.BANK_ACCOUNT,
        Kind.IP,
        Kind.SOCIAL_PROFILE,
        Kind.CRYPTO_WALLET,
    }
)
STOP, RESUME = "stop", "resume"
_WORDS = {
    "to giac": answers.REPORT,
    "bao cao": answers.REPORT,
    "hoi can bo": answers.ASK_STAFF,
    "huong dan": answers.HELP,
    "tro giup": answers.HELP,
    "help": answers.HELP,
    "?": answers.HELP,
    "huy": answers.CANCEL,
    "huy bo": answers.CANCEL,
    "dung": STOP,
    "dung lai": STOP,
    "stop": STOP,
    "tiep tuc": RESUME,
}
_NO_MONEY = {"0", "khong", "chua", "chua mat", "khong mat", "khong mat tien", "chua mat tien"}


@dataclass(frozen=True)
class Incoming:
    """One message as the worker read it. Its text and image are personal data: never in a
    repr, so never in a log line or a traceback's locals."""

    kind: str  # "text" | "image" | "other"
    # The text (or the image's caption); a pressed quick reply = its payload.
    text: str = field(default="", repr=False)
    # Raw bytes downloaded by the worker (size-limited), not yet cleaned.
    image: bytes | None = field(default=None, repr=False)


class _StoredReply(TypedDict):
    text: str
    quick_replies: list[list[str]]


def _fold(text: str) -> str:
    """A command or an answer as folded for comparing: "Huỷ!" -> "huy"."""
    return fold(text).strip(" .!,;:\"'“”")


def _command(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("#"):
        return stripped
    return _WORDS.get(_fold(stripped), "") if len(stripped) <= 20 else ""


def respond(
    *, conversation: Conversation, incoming: Incoming, event: InboundEvent, save: bool = True
) -> list[Reply]:
    """The answers to one message; updates conversation.state, draft and stopped_at, and saves
    them unless `save` is False (the worker saves them with the answers, in one transaction);
    makes the Report and TipReport of a finished "Tố giác" or a "Hỏi cán bộ" (once per event:
    a re-run of the same event answers the same and makes nothing again), saving the
    conversation in the transaction that makes it whatever `save` says. Sends nothing."""
    replay = conversation.draft.get("replay") or {}
    if event.pk is not None and replay.get("event") == event.pk:
        return [_load(item) for item in replay.get("replies", [])]
    turn = _Turn(conversation, event)
    replies = turn.answer(incoming)
    if not turn.saved:
        _set_replay(conversation, event, replies)
        if save:
            conversation.save(update_fields=["state", "draft", "stopped_at"])
    return replies


def _set_replay(conversation: Conversation, event: InboundEvent, replies: list[Reply]) -> None:
    conversation.draft["replay"] = {"event": event.pk, "replies": [_dump(r) for r in replies]}


def _dump(reply: Reply) -> _StoredReply:
    return {
        "text": reply.text,
        "quick_replies": [[q.title, q.payload] for q in reply.quick_replies],
    }


def _load(item: _StoredReply) -> Reply:
    quick = tuple(QuickReply(str(t), str(p)) for t, p in item.get("quick_replies", []))
    return Reply(str(item.get("text", "")), quick)


class _Turn:
    """One message of one conversation: the handlers below read and change the conversation
    (saved by respond, or by _save_with when a report is made)."""

    def __init__(self, conversation: Conversation, event: InboundEvent) -> None:
        self.conversation = conversation
        self.event = event
        self.draft = conversation.draft
        self.saved = False  # the conversation was saved with its replay (a report was made)

    def answer(self, incoming: Incoming) -> list[Reply]:
        if incoming.kind == "image":
            return self.image(incoming.image)
        # Kept in the conversation's JSON, which PostgreSQL refuses with a NUL in it: the
        # webhook strips such characters already; a chat answers what is left, never refuses.
        text = strip_refused(incoming.text) if incoming.kind == "text" else ""
        if not text.strip():
            return [answers.unknown_reply(), *self.question()]
        command = _command(text)
        handler = self._commands().get(command)
        if handler is not None:
            return handler()
        state = self.conversation.state
        if state == State.REPORT_WHAT:
            return self.what(text)
        if state == State.REPORT_MONEY:
            return self.money(text)
        if state == State.REPORT_COMMUNE:
            return self.commune(text)
        if command:  # an unknown "#..." payload, e.g. an old unit choice
            return [answers.unknown_reply()]
        return [self.check(text)]

    def _commands(self) -> dict[str, Callable[[], list[Reply]]]:
        return {
            answers.REPORT: self.start_report,
            answers.ASK_STAFF: self.ask_staff,
            answers.HELP: lambda: [answers.help_reply(), *self.question()],
            answers.CANCEL: self.cancel,
            STOP: self.stop,
            RESUME: self.resume,
        }

    def question(self) -> list[Reply]:
        """The question of the current step (after an image or help in the middle of it)."""
        state = self.conversation.state
        if state == State.REPORT_WHAT:
            return [answers.ask_what()]
        if state == State.REPORT_MONEY:
            return [answers.ask_money()]
        if state == State.REPORT_COMMUNE:
            return [answers.ask_commune()]
        return []

    # --- checking ------------------------------------------------------------------------------

    def check(self, text: str) -> Reply:
        """A value alone gets its verdict (as lookup.verdicts.check_text reads it); a message
        its analysis; a greeting or a word the short help."""
        note = ""
        if len(text) > MAX_TEXT:
            text, note = text[:MAX_TEXT], answers.too_long_note(MAX_TEXT)
        text = text.strip()
        if not looks_like_message(text):
            single = check_value(text)
            if single.status != INVALID:
                if single.kind not in SINGLE_KINDS:  # "alo", "VCB": reads as a sender's name
                    return answers.unknown_reply()
                add_details([single])
                self._remember_check(single)
                return answers.check_answer(single, note=note)
            if " " not in text or (
                len(text.split()) < GREETING_WORDS and not found_indicators(text)
            ):
                return answers.unknown_reply()
        try:
            analysis = analyse_message(text, sender_type=None)
        except Exception:  # noqa: BLE001 (a detection bug must not leave the person unanswered)
            logger.exception("detection.analysis.analyse_message failed in the tipline")
            return answers.unknown_reply()
        categories = [r.category or r.kind for r in analysis.reasons]
        self.draft["last"] = Analysed(
            text=analysis.text[:MAX_TEXT],
            # As the web form reads a message: each indicator once, a profile not as its link.
            indicators=[[kind, value] for kind, value in found_indicators(analysis.text)],
            scam_type=scam_type_of(categories),
            channel=str(Channel.SMS),  # a forwarded message: most are SMS (issue 19)
            reported="",
        )
        return answers.analysis_answer(analysis, note=note)

    def _remember_check(self, check: Check) -> None:
        verdict = check.verdict
        web = check.kind in ("url", "domain", "email")
        scam = ScamType.FAKE_WEBSITE if web and verdict in (LISTED, SUSPICIOUS) else ScamType.OTHER
        self.draft["last"] = Analysed(
            text=check.raw[:MAX_TEXT],
            indicators=[[str(check.kind), str(check.value)]] if check.kind and check.value else [],
            scam_type=str(scam),
            channel=channel_of_value(str(check.kind or "")),
            reported="",
        )

    # --- evidence ------------------------------------------------------------------------------

    def image(self, data: bytes | None) -> list[Reply]:
        in_report = self.conversation.state != State.IDLE
        if not data:
            return [answers.image_missing(), *self.question()]
        try:
            clean = clean_file(data)
        except ValidationError:
            # Its message names a file and offers PDF, which a chat does not take: say our own.
            return [answers.image_refused(), *self.question()]
        if not clean.content_type.startswith("image/"):  # a PDF
            return [answers.image_refused(), *self.question()]
        count = keep_image(self.conversation, clean)
        if count is None:
            return [answers.too_many_images(MAX_FILES), *self.question()]
        return [answers.image_received(count, MAX_FILES, in_report=in_report), *self.question()]

    # --- "Tố giác" -----------------------------------------------------------------------------

    def _gathered(self) -> Gathered:
        gathered: Gathered = self.draft.get("report") or Gathered()
        return gathered

    def start_report(self) -> list[Reply]:
        self.draft["report"] = Gathered(message=self.draft.get("last"))
        self.draft.pop("choices", None)
        self.conversation.state = State.REPORT_WHAT
        return [answers.ask_what()]

    def what(self, text: str) -> list[Reply]:
        text = text.strip()
        note = ""
        if len(text) > MAX_WHAT:
            text, note = text[:MAX_WHAT], answers.what_cut_note(MAX_WHAT)
        gathered = self._gathered()
        gathered["what"] = text
        self.draft["report"] = gathered
        self.conversation.state = State.REPORT_MONEY
        question = answers.ask_money()
        if note:
            question = Reply(f"{note}\n{question.text}", question.quick_replies)
        return [question]

    def money(self, text: str) -> list[Reply]:
        folded = _fold(text)
        if text.strip() == answers.NO_MONEY or folded in _NO_MONEY:
            amount: int | None = 0
        else:
            try:
                amount = parse_amount(text[:100], maximum=MAX_MONEY)
            except AmountError as error:
                return [answers.ask_money(str(error))]
            if amount is None:
                return [answers.ask_money()]
        gathered = self._gathered()
        gathered["money"] = amount
        self.draft["report"] = gathered
        self.conversation.state = State.REPORT_COMMUNE
        return [answers.ask_commune()]

    def commune(self, text: str) -> list[Reply]:
        stripped = text.strip()
        if stripped.startswith(answers.UNIT_PAYLOAD):
            pk = stripped[len(answers.UNIT_PAYLOAD) :]
            offered = self.draft.get("choices") or []
            unit = citizen_unit(int(pk)) if pk.isdigit() and int(pk) in offered else None
            if unit is None:
                return [answers.ask_commune()]
            return self.finish_report(unit)
        found = match_unit(stripped[:200])
        if found.unit is not None:
            return self.finish_report(found.unit)
        self.draft["choices"] = [u.pk for u in found.choices]
        names = [u.name for u in found.choices]
        choices = [
            QuickReply(
                (u.name if names.count(u.name) == 1 else f"{u.name} ({u.code})")[:40],
                f"{answers.UNIT_PAYLOAD}{u.pk}",
            )
            for u in found.choices
        ]
        return [answers.commune_choices(stripped, choices, several=found.several)]

    def finish_report(self, unit: Unit) -> list[Reply]:
        gathered = self._gathered()
        with transaction.atomic():
            made = make_report(
                conversation=self.conversation,
                event=self.event,
                unit=unit,
                description=gathered.get("what", ""),
                money=gathered.get("money"),
                message=gathered.get("message"),
                asked_staff=False,
            )
            self._reset(unit_pk=unit.pk)
            code = made.report.tracking_code
            replies = [answers.report_done(code, evidence_lost=made.evidence_lost)]
            self._save_with(replies)
        return replies

    def _save_with(self, replies: list[Reply]) -> None:
        """Save the conversation with these answers as its replay, in the transaction that made
        a report: a re-run of the event after a crash answers with the same tracking code."""
        _set_replay(self.conversation, self.event, replies)
        self.conversation.save(update_fields=["state", "draft", "stopped_at"])
        self.saved = True

    def _reset(self, *, unit_pk: int | None = None) -> None:
        self.conversation.state = State.IDLE
        self.draft.pop("report", None)
        self.draft.pop("choices", None)
        if unit_pk is not None:
            self.draft["unit"] = unit_pk

    def cancel(self) -> list[Reply]:
        had = self.conversation.state != State.IDLE or bool(self.draft.get("evidence"))
        drop_evidence(self.conversation)
        self._reset()
        return [answers.cancelled(had_report=had)]

    # --- "Hỏi cán bộ" ---------------------------------------------------------------------------

    def ask_staff(self) -> list[Reply]:
        last: Analysed | None = self.draft.get("last")
        if not last:
            return [answers.staff_nothing(), *self.question()]
        if last.get("reported"):
            return [answers.staff_already(last["reported"]), *self.question()]
        remembered = self.draft.get("unit")
        unit = citizen_unit(remembered) if isinstance(remembered, int) else None
        with transaction.atomic():
            made = make_report(
                conversation=self.conversation,
                event=self.event,
                unit=unit or fallback_unit(),
                description=answers.staff_description(),
                money=None,
                message=last,
                asked_staff=True,
            )
            last["reported"] = made.report.tracking_code
            self.draft["last"] = last
            self._reset()
            code = made.report.tracking_code
            replies = [answers.staff_done(code, evidence_lost=made.evidence_lost)]
            self._save_with(replies)
        return replies

    # --- follow-ups ----------------------------------------------------------------------------

    def stop(self) -> list[Reply]:
        if self.conversation.stopped_at is not None:
            return []  # confirmed once already
        self.conversation.stopped_at = timezone.now()
        return [answers.stopped()]

    def resume(self) -> list[Reply]:
        self.conversation.stopped_at = None
        return [answers.resumed()]
