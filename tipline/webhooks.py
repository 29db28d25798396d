"""The two doors of the tipline: Zalo's webhook and the partners' bridge. Each checks the
signature, stores the message as an InboundEvent (once per channel message id: a redelivery
stores nothing new) and answers at once; the worker (tipline/worker.py) answers the person.

Anything refused is logged at WARNING with the reason only: never the person's id or text. A
bridge is told why in Vietnamese ({"detail": ...}, as the other partner APIs answer); Zalo reads
no answer but the status. A body over MAX_BODY never reaches these views:
canhgiac/middleware.py refuses it from its Content-Length (by URL name) before it is read.

The text is stored without the characters lib/text.py refuses (NUL, control characters, lone
surrogates, which PostgreSQL cannot store), cut to TIPLINE_MAX_TEXT: a person's chat message
is answered, never refused for a character they may not even see."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lib import ratelimit
from lib.text import strip_refused

from . import signature
from .models import ZALO, Conversation, InboundEvent

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes of a request to either door (canhgiac/middleware.py)
ZALO_TEXT_EVENTS = frozenset({"user_send_text", "user_send_link"})
ZALO_OTHER_EVENTS = frozenset(
    {"user_send_sticker", "user_send_gif", "user_send_file", "user_send_audio", "user_send_video"}
)


def max_text() -> int:
    return int(getattr(settings, "TIPLINE_MAX_TEXT", 4000))


@dataclass(frozen=True)
class Message:
    """One person's message, as both doors hand it to `accept`; `text` as stored (see
    `_text`)."""

    channel: str
    user_id: str
    message_id: str
    kind: str  # text, image, other
    text: str = ""
    attachment_url: str = ""
    event_time: datetime | None = None


def _text(value: str) -> str:
    """A message's text as stored: without the characters lib/text.py refuses, in NFC, cut to
    TIPLINE_MAX_TEXT characters."""
    return strip_refused(value, multiline=True)[: max_text()]


def _refuse(status: int, reason: str, door: str) -> JsonResponse:
    log.warning("tipline %s webhook refused (%s): %s", door, status, reason)
    return JsonResponse({"error": reason}, status=status)


def _bridge_details() -> dict[str, str]:
    # What a bridge is told, by the (English) reason that is logged.
    bad_event = _(
        "Sự kiện không hợp lệ: cần một đối tượng JSON có user_id và message_id (chuỗi hoặc số, "
        "không có ký tự điều khiển); text và image_url phải là chuỗi."
    )
    return {
        "signature missing": _("Thiếu chữ ký X-CanhGiac-Signature."),
        "unknown bridge": _("Cầu nối không có, đã tắt, hoặc khoá đối tác đã bị thu hồi."),
        "bad signature": _("Chữ ký không hợp lệ hoặc đã quá hạn."),
        "over the partner's rate": _("Gửi quá nhiều yêu cầu. Hãy thử lại sau một phút."),
        "over the person's rate": _(
            "Người dùng này gửi quá nhiều tin trong một phút: tin đã bị bỏ qua."
        ),
        "malformed JSON": _("Nội dung không phải JSON hợp lệ."),
        "not a JSON object": bad_event,
    }


def _refuse_bridge(status: int, reason: str) -> JsonResponse:
    """The bridge's refusal: the reason in the log, the Vietnamese detail in the answer."""
    log.warning("tipline bridge webhook refused (%s): %s", status, reason)
    details = _bridge_details()
    detail = details.get(reason, details["not a JSON object"])
    return JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _ok(stored: bool) -> JsonResponse:
    return JsonResponse({"error": 0, "status": "accepted" if stored else "duplicate"})


ACCEPTED, DUPLICATE, DROPPED = "accepted", "duplicate", "dropped"


def person_limit() -> int:
    return int(getattr(settings, "TIPLINE_PERSON_PER_MINUTE", 30))


def accept(message: Message) -> str:
    """Store `message` unless its id is stored already (DUPLICATE) or its sender has
    TIPLINE_PERSON_PER_MINUTE messages stored in the last minute (DROPPED: a flood from one
    account would fill the queue; said in the log). Both are read in the query that finds the
    person's conversation: no cache write per message, and a redelivery is found without an
    insert failing (the database's log would quote the failed statement, the text with it).
    Two messages of one person at the same instant may both take the last free place."""
    found = _person(message, since=timezone.now() - timedelta(minutes=1))
    if found is not None and found[2]:
        return DUPLICATE
    limit = person_limit()
    if found is not None and found[1] >= limit:
        log.warning(
            "tipline %s: a person over %s messages a minute, dropped", message.channel, limit
        )
        return DROPPED
    try:
        with transaction.atomic():
            conversation_id = _new_conversation(message) if found is None else found[0]
            InboundEvent.objects.create(
                conversation_id=conversation_id,
                channel=message.channel,
                message_id=message.message_id,
                kind=message.kind,
                text=message.text,
                attachment_url=message.attachment_url,
                event_time=message.event_time,
            )
    except IntegrityError:
        # The same message delivered twice at once: the other request stored it.
        if _stored(message):
            return DUPLICATE
        raise
    return ACCEPTED


def _person(message: Message, *, since: datetime) -> tuple[int, int, bool] | None:
    """(conversation pk, its events received since `since`, whether this message id is stored)
    of the message's sender; None for a first message. One statement, written out: built
    through the ORM (a filtered Count and an Exists) its compiling cost more than running it,
    on every webhook call."""
    event, conversation = InboundEvent._meta.db_table, Conversation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, (SELECT COUNT(*) FROM {event} e WHERE e.conversation_id = c.id"  # noqa: S608 (names from _meta)
            f" AND e.received_at >= %s), EXISTS (SELECT 1 FROM {event} s WHERE s.channel = %s"
            f" AND s.message_id = %s) FROM {conversation} c"
            " WHERE c.channel = %s AND c.external_id = %s",
            [
                connection.ops.adapt_datetimefield_value(since),
                message.channel,
                message.message_id,
                message.channel,
                message.user_id,
            ],
        )
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), int(row[1]), bool(row[2]))


def _new_conversation(message: Message) -> int:
    """The pk of the person's conversation, which the lookup just found missing: created, or
    the one another request created meanwhile (get_or_create without its first read)."""
    person = {"channel": message.channel, "external_id": message.user_id}
    try:
        with transaction.atomic():
            return Conversation.objects.create(**person).pk
    except IntegrityError:
        return int(Conversation.objects.values_list("pk", flat=True).get(**person))


def _stored(message: Message) -> bool:
    return InboundEvent.objects.filter(
        channel=message.channel, message_id=message.message_id
    ).exists()


def _short_str(value: Any, limit: int) -> str | None:
    """`value` as a non-empty string of at most `limit` printable characters, else None (an id
    with a NUL or a lone surrogate could not be stored on PostgreSQL)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
        return None
    return value


def _attachment_url(message: dict[str, Any]) -> str:
    """The url of the message's first attachment; "" when there is none."""
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ""
    first = attachments[0]
    payload = first.get("payload") if isinstance(first, dict) else None
    url = payload.get("url") if isinstance(payload, dict) else None
    return url if isinstance(url, str) else ""


def _checked_url(url: str) -> str:
    if url and signature.attachment_allowed(url):
        return url
    if url:
        log.warning("tipline attachment refused: host not allowed")
    return ""


# --- Zalo -----------------------------------------------------------------------------------


def _zalo_message(event: dict[str, Any], when: datetime) -> Message | None | str:
    """The Message of a person's event (sent at `when`, its checked timestamp); None for events
    with nothing to answer (follow, unfollow, the OA's own messages); a string saying what is
    wrong with a malformed one."""
    name = event.get("event_name")
    if name not in ZALO_TEXT_EVENTS | ZALO_OTHER_EVENTS | {"user_send_image"}:
        return None
    sender = event.get("sender")
    message = event.get("message")
    if not isinstance(sender, dict) or not isinstance(message, dict):
        return "sender or message missing"
    user_id = _short_str(sender.get("id"), 64)
    msg_id = _short_str(message.get("msg_id"), 128)
    if user_id is None or msg_id is None:
        return "sender.id or message.msg_id missing"
    text = message.get("text")
    text = text if isinstance(text, str) else ""
    url = _attachment_url(message)
    kind = "other"
    if name == "user_send_text":
        kind = "text"
    elif name == "user_send_link":
        kind, text = "text", (text or url)  # the link itself is what to check
        url = ""
    elif name == "user_send_image":
        url = _checked_url(url)
        kind = "image" if url else "other"
    else:
        url = ""
    return Message(ZALO, user_id, msg_id, kind, _text(text), url, when)


@csrf_exempt  # Zalo's servers carry no CSRF token: the MAC is the proof
@require_POST
def zalo_webhook(request: HttpRequest) -> JsonResponse:
    body = request.body
    header = request.headers.get("X-ZEvent-Signature", "")
    if not header:
        return _refuse(401, "signature missing", "zalo")
    keys = signature.zalo_keys()
    if keys is None:
        return _refuse(401, "channel not configured", "zalo")
    try:
        event = json.loads(body)
    except ValueError:
        return _refuse(400, "malformed JSON", "zalo")
    if not isinstance(event, dict):
        return _refuse(400, "not a JSON object", "zalo")
    app_id = _short_str(event.get("app_id"), 64)
    stamp = _short_str(event.get("timestamp"), 16)
    if stamp is None or not stamp.isdigit():
        return _refuse(400, "timestamp missing", "zalo")
    if app_id != keys.app_id:
        return _refuse(401, "wrong app", "zalo")
    if not signature.zalo_signature_ok(
        header=header, app_id=app_id, body=body, timestamp=stamp, secret=keys.oa_secret_key
    ):
        return _refuse(401, "bad signature", "zalo")
    if not signature.timestamp_fresh(int(stamp) / 1000):
        return _refuse(401, "stale timestamp", "zalo")
    message = _zalo_message(event, datetime.fromtimestamp(int(stamp) / 1000, tz=UTC))
    if isinstance(message, str):
        return _refuse(400, message, "zalo")
    if message is None:
        return _ok(False)
    # 200 whatever happens: Zalo must not resend (a dropped flood included).
    return JsonResponse({"error": 0, "status": accept(message)})


# --- Bridges --------------------------------------------------------------------------------


def _bridge_message(channel: str, data: dict[str, Any]) -> Message | str:
    user_id = _short_str(data.get("user_id"), 64)
    msg_id = _short_str(data.get("message_id"), 128)
    if user_id is None or msg_id is None:
        return "user_id or message_id missing"
    text = data.get("text", "")
    image_url = data.get("image_url", "")
    if not isinstance(text, str) or not isinstance(image_url, str):
        return "text and image_url must be strings"
    text = _text(text)
    url = _checked_url(image_url)
    kind = "image" if url else ("text" if text.strip() else "other")
    when = None
    stamp = data.get("timestamp")
    if isinstance(stamp, int) and not isinstance(stamp, bool) and 0 < stamp < 10**11:
        when = datetime.fromtimestamp(stamp, tz=UTC)
    return Message(channel, user_id, msg_id, kind, text, url, when)


@csrf_exempt  # a partner's bot carries no CSRF token: the HMAC is the proof
@require_POST
def bridge_events(request: HttpRequest) -> JsonResponse:
    body = request.body
    header = request.headers.get("X-CanhGiac-Signature", "")
    if not header:
        return _refuse_bridge(401, "signature missing")
    bridge = signature.active_bridge(request.headers.get("X-CanhGiac-Bridge", ""))
    if bridge is None:
        return _refuse_bridge(401, "unknown bridge")
    secret = signature.bridge_secret(bridge)
    if not signature.bridge_signature_ok(header=header, body=body, secret=secret):
        return _refuse_bridge(401, "bad signature")
    limit = bridge.partner.rate_per_minute
    if not ratelimit.allow_reserved("tipline-bridge", str(bridge.pk), limit=limit):
        return _refuse_bridge(429, "over the partner's rate")
    try:
        data = json.loads(body)
    except ValueError:
        return _refuse_bridge(400, "malformed JSON")
    if not isinstance(data, dict):
        return _refuse_bridge(400, "not a JSON object")
    message = _bridge_message(bridge.channel, data)
    if isinstance(message, str):
        return _refuse_bridge(400, message)
    outcome = accept(message)
    if outcome == DROPPED:
        return _refuse_bridge(429, "over the person's rate")
    return JsonResponse({"error": 0, "status": outcome})
