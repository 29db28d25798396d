"""Making a Report from what a conversation gathered, and what that needs: the commune typed
in a chat, the scam type an analysis points at, and the evidence images kept between messages.

Evidence between messages: the cleaned images are kept with reports.drafts (the same store
the web form uses for files of a form that came back): files under MEDIA_ROOT (var/media) and
a signed reference to them in conversation.draft["evidence"]. They survive a restart; a report
that is never made leaves them to reports.drafts.forget_old_drafts, which deletes every draft
older than DRAFT_MAX_AGE (two hours) each hour; "huỷ" deletes them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from django.db import transaction
from rapidfuzz import fuzz, process

from indicators.kinds import Kind
from orgs.models import ACTIVE_UNITS, CITIZEN_UNIT_KINDS, Unit, UnitKind
from orgs.partners import Partner
from orgs.widgets import bare_name, fold, name_keys, successor_among, units_named
from reports import drafts
from reports.evidence import MAX_FILES, CleanFile
from reports.models import Channel, Report, ScamType, Source
from reports.services import root_unit
from reports.submission import IdempotencyConflict, ReportInput, submit_report

from .models import ZALO, Conversation, InboundEvent, TiplineBridge, TipReport

MAX_CHOICES = 5
IDEMPOTENCY_SCOPE = "tipline"

# Reason categories of detection's analysis (strongest reason first) -> the report's scam type.
SCAM_TYPES: dict[str, str] = {
    "police": ScamType.IMPERSONATION_AUTHORITY,
    "fine": ScamType.IMPERSONATION_AUTHORITY,
    "job": ScamType.JOB_TASK,
    "investment": ScamType.INVESTMENT,
    "gambling": ScamType.INVESTMENT,
    "loan": ScamType.LOAN_APP,
    "debt": ScamType.LOAN_APP,
    "parcel": ScamType.FAKE_SHOP,
    "telecom": ScamType.FAKE_BILL,
    "utility": ScamType.FAKE_BILL,
    "family": ScamType.HIJACKED_ACCOUNT,
    "adult": ScamType.ROMANCE,
    "lookalike": ScamType.FAKE_WEBSITE,
    "lock": ScamType.FAKE_BANK_SMS,
    "secret": ScamType.FAKE_BANK_SMS,
    "safe_account": ScamType.IMPERSONATION_AUTHORITY,
}


class Analysed(TypedDict):
    """The last message or value checked, kept in conversation.draft["last"]."""

    text: str
    indicators: list[list[str]]  # [kind, canonical value], each once (reports.forms)
    scam_type: str
    channel: str  # reports.models.Channel the scam came through, as far as we can tell
    reported: str  # tracking code once "Hỏi cán bộ" made a report of it, else ""


def scam_type_of(categories: list[str]) -> str:
    """The scam type the first reason category that names one points at, else "other"."""
    for category in categories:
        if category in SCAM_TYPES:
            return str(SCAM_TYPES[category])
    return str(ScamType.OTHER)


def channel_of_value(kind: str) -> str:
    """Where a scam came from, judged by the kind of the one value a person sent alone."""
    if kind in (Kind.URL, Kind.DOMAIN):
        return str(Channel.WEBSITE)
    if kind == Kind.EMAIL:
        return str(Channel.EMAIL)
    if kind == Kind.PHONE:
        return str(Channel.CALL)
    return str(Channel.OTHER)


# --- the commune -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitMatch:
    unit: Unit | None  # the one unit the name is
    choices: list[Unit]  # otherwise, up to MAX_CHOICES candidates
    several: bool  # the name is that of several units (not merely unknown)


def _citizen_units() -> list[Unit]:
    return list(
        Unit.objects.filter(kind__in=CITIZEN_UNIT_KINDS)
        .filter(ACTIVE_UNITS)
        .only("pk", "name", "code", "kind", "path", "depth")
        .order_by("name", "pk")
    )


def citizen_unit(pk: int) -> Unit | None:
    """The commune, ward or special zone of that pk (a pressed choice), if it is one."""
    return Unit.objects.filter(ACTIVE_UNITS, pk=pk, kind__in=CITIZEN_UNIT_KINDS).first()


def match_unit(typed: str) -> UnitMatch:
    """The unit a person means by the name they typed, as the web form's picker reads it
    (orgs.widgets: accent-insensitive, with or without "Xã"/"Phường", the old name of a merged
    commune for the one it became): one match is it; several, or close names, are choices."""
    key = fold(typed)[:200]
    units = _citizen_units()
    if not key:
        return UnitMatch(None, [], False)
    bare = bare_name(key)
    exact = [u for u in units if key in name_keys(u)] or [u for u in units if bare in name_keys(u)]
    communes = [u for u in exact if u.kind != UnitKind.DISTRICT] or exact
    if len(communes) == 1:
        return UnitMatch(communes[0], [], False)
    if communes:
        return UnitMatch(None, communes[:MAX_CHOICES], True)
    successor = successor_among(units_named(key), {u.pk: u for u in units})
    if successor is not None:
        return UnitMatch(successor, [], False)
    # Not a name of the list: a piece of one, or one mistyped, is offered as choices.
    names = {u.pk: bare_name(fold(u.name)) for u in units}
    contained = [u for u in units if bare in names[u.pk]]
    if contained:
        return UnitMatch(None, contained[:MAX_CHOICES], len(contained) > 1)
    close = process.extract(bare, names, scorer=fuzz.ratio, limit=MAX_CHOICES, score_cutoff=60)
    by_pk = {u.pk: u for u in units}
    return UnitMatch(None, [by_pk[pk] for _name, _score, pk in close], False)


def fallback_unit() -> Unit:
    """Where a report with no commune goes ("Hỏi cán bộ"): where the web form files one, the
    root of the tree (the province), whose verifiers see every report."""
    unit = root_unit()
    if unit is None:
        raise Unit.DoesNotExist("no unit to file a tipline report under")
    return unit


# --- evidence kept between messages ----------------------------------------------------------


def kept_evidence(conversation: Conversation) -> tuple[list[drafts.KeptFile], bool]:
    """The images kept for the report being made, and whether some were lost (expired)."""
    token = str(conversation.draft.get("evidence") or "")
    if not token:
        return [], False
    try:
        return drafts.kept_files(token), False
    except drafts.DraftGone:
        return [], True


def keep_image(conversation: Conversation, clean: CleanFile) -> int | None:
    """Keep one cleaned image for the report being made; how many are kept now, or None when
    there are MAX_FILES already. Sets conversation.draft["evidence"] (saved by the caller)."""
    kept, _expired = kept_evidence(conversation)
    if len(kept) >= MAX_FILES:
        return None
    token, files = drafts.keep_files(kept=kept, new=[("anh", clean)])
    conversation.draft["evidence"] = token
    return len(files)


def drop_evidence(conversation: Conversation) -> None:
    """Forget the kept images, deleting their files once the conversation's change commits."""
    kept, _expired = kept_evidence(conversation)
    conversation.draft.pop("evidence", None)
    if kept:
        transaction.on_commit(lambda: drafts.discard(kept))


# --- the report --------------------------------------------------------------------------------


class Gathered(TypedDict, total=False):
    """What the "Tố giác" questions gathered, in conversation.draft["report"]."""

    what: str
    money: int | None
    message: Analysed | None


def _partner(conversation: Conversation) -> Partner | None:
    if conversation.channel == ZALO or not conversation.channel.startswith("bridge:"):
        return None
    pk = conversation.channel.partition(":")[2]
    bridge = TiplineBridge.objects.select_related("partner").filter(pk=pk if pk.isdigit() else 0)
    found = bridge.first()
    if found is None:
        return None
    key = found.partner
    return Partner(pk=key.pk, name=key.name, rate_per_minute=key.rate_per_minute)


@dataclass(frozen=True)
class Made:
    report: Report
    evidence_lost: bool  # images had been kept, but expired before the report was made


def make_report(
    *,
    conversation: Conversation,
    event: InboundEvent,
    unit: Unit,
    description: str,
    money: int | None,
    message: Analysed | None,
    asked_staff: bool,
) -> Made:
    """The Report (and its TipReport) of this conversation, made once per event: a re-run of
    the same event finds the first one. The kept images go with it, and are deleted from the
    drafts once the report's transaction commits."""
    kept, expired = kept_evidence(conversation)
    found = message["indicators"] if message else []
    indicators = [(str(kind), str(value)) for kind, value in found]
    data = ReportInput(
        channel=message["channel"] if message else str(Channel.OTHER),
        scam_type=message["scam_type"] if message else str(ScamType.OTHER),
        unit=unit,
        description=description,
        message_text=message["text"] if message else "",
        indicators=indicators,
        money_lost=money,
    )
    try:
        report, _created = submit_report(
            data=data,
            files=[k.file for k in kept],
            source=Source.ZALO if conversation.channel == ZALO else Source.CHAT,
            partner_key=_partner(conversation),
            idempotency_scope=IDEMPOTENCY_SCOPE,
            idempotency_key=f"{event.channel}:{event.message_id}",
        )
    except IdempotencyConflict as conflict:
        # The key is this event's own: the report is the one this event made before (its
        # images may since have been discarded, which changes the fingerprint).
        report = conflict.report
    tip, made = TipReport.objects.get_or_create(
        report=report, defaults={"conversation": conversation, "asked_staff": asked_staff}
    )
    if not made and asked_staff and not tip.asked_staff:
        tip.asked_staff = True
        tip.save(update_fields=["asked_staff"])
    conversation.draft.pop("evidence", None)
    if kept:
        transaction.on_commit(lambda: drafts.discard(kept))
    return Made(report, expired)
