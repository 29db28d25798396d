"""What the tracking endpoints record, one function per event. Every function takes a recipient
(or its tracking id) and nothing a person typed: no function here has a parameter for it.

A machine sees a drill mail before its person does: mail gateways fetch links to scan them and
image proxies fetch the pixel on delivery. A hit from a known scanner agent, or within
DRILLS_SCANNER_SECONDS of the mail being sent, is kept with source "scanner". A link hit counts
as a person's click only when the landing page's own script fires its beacon, which a scanner
that does not run scripts never does.

The pixel and the link are most of the traffic (a campaign to 10,000 people, each mail opened
and clicked, some of it by scanners first): each is recorded with one INSERT … SELECT that finds
the recipient by its unique tracking id and decides "scanner within seconds of delivery" from
its sent_at in the same statement. Built through the ORM, the lookup with its related rows and
the insert cost about ten times the statement's time."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.links import absolute_url
from orgs.models import User
from training.models import Assignment, Lesson
from training.services import TrainingError, assign_to_person

from .models import (
    Campaign,
    CampaignAction,
    CampaignLog,
    CampaignStatus,
    Event,
    EventKind,
    EventSource,
    FollowUp,
    Recipient,
    ReportChannel,
    Template,
)

log = logging.getLogger(__name__)

# Lower-case pieces of the User-Agent of mail gateways, link scanners, preview bots and scripts.
SCANNER_AGENT_PIECES = (
    "bot",
    "crawler",
    "spider",
    "preview",
    "scan",
    "safelinks",
    "proofpoint",
    "mimecast",
    "barracuda",
    "fortiguard",
    "trendmicro",
    "googleimageproxy",
    "yahoomailproxy",
    "facebookexternalhit",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "headlesschrome",
)
DEFAULT_SCANNER_SECONDS = 20
DEFAULT_LESSON_DAYS = 14

_TRACKING_ID = re.compile(r"^[2-9a-zA-Z]{8,32}$")


def find_recipient(tracking_id: str) -> Recipient | None:
    if not _TRACKING_ID.match(tracking_id):
        return None
    return (
        Recipient.objects.select_related("campaign__template", "campaign__landing_page", "person")
        .filter(tracking_id=tracking_id)
        .first()
    )


_LEAN_FIELDS = ("id", "campaign_id", "person_id", "tracking_id")


def find_tracked(tracking_id: str) -> Recipient | None:
    """The recipient with this id, for the beacon and the form's "submitted": only the columns
    an event needs, one indexed query without joins (the other fields load if read)."""
    if not _TRACKING_ID.match(tracking_id):
        return None
    table = connection.ops.quote_name(Recipient._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f) for f in _LEAN_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE tracking_id = %s",  # noqa: S608 (names from _meta)
            [tracking_id],
        )
        row = cursor.fetchone()
    return None if row is None else Recipient.from_db(DEFAULT_DB_ALIAS, list(_LEAN_FIELDS), row)


@dataclass(frozen=True)
class FirstClick:
    """A recipient whose beacon has not counted yet, with what counting it writes: the lesson
    to give (None: none published) and the person's unit."""

    recipient: Recipient
    lesson: Lesson | None


def find_unconfirmed(tracking_id: str) -> FirstClick | None:
    """The recipient with this id if no click of theirs has counted yet, with the person's
    unit and the lesson Template.follow_up_lesson chooses, in one query with joins (through
    the ORM, compiling the select_related query cost more than the rest of the beacon); None
    for an unknown id and once the click counted, which then costs this one query."""
    if not _TRACKING_ID.match(tracking_id):
        return None
    q = connection.ops.quote_name
    recipient, campaign = q(Recipient._meta.db_table), q(Campaign._meta.db_table)
    template, user = q(Template._meta.db_table), q(User._meta.db_table)
    lesson, follow_up = q(Lesson._meta.db_table), q(FollowUp._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id, r.campaign_id, r.person_id, r.tracking_id, u.home_unit_id, "  # noqa: S608 (names from _meta)
            f"t.id, t.lesson_topic, t.lesson_id, l.id, l.title, l.is_published FROM {recipient} r "
            f"JOIN {campaign} c ON c.id = r.campaign_id JOIN {template} t ON t.id = c.template_id "
            f"JOIN {user} u ON u.id = r.person_id LEFT JOIN {lesson} l ON l.id = t.lesson_id "
            f"WHERE r.tracking_id = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {follow_up} f WHERE f.recipient_id = r.id)",
            [tracking_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    alias = DEFAULT_DB_ALIAS
    found = Recipient.from_db(alias, list(_LEAN_FIELDS), row[:4])
    found.person = User.from_db(alias, ["id", "home_unit_id"], [row[2], row[4]])
    # from_db takes the values in the order of the model's fields.
    chosen = Template.from_db(alias, ["id", "lesson_topic", "lesson_id"], row[5:8])
    if row[8] is not None:
        chosen.lesson = Lesson.from_db(alias, ["id", "title", "is_published"], row[8:])
    return FirstClick(found, chosen.follow_up_lesson())


def count_click(tracking_id: str) -> bool:
    """A person clicked (the landing page's beacon, its form, the teach page): counted once,
    with the lesson given then; True the first time."""
    first = find_unconfirmed(tracking_id)
    return first is not None and confirm_click(recipient=first.recipient, lesson=first.lesson)


def _scanner_agent(user_agent: str) -> bool:
    agent = user_agent.lower()
    return not agent or any(piece in agent for piece in SCANNER_AGENT_PIECES)


def _scanner_seconds() -> int:
    return int(getattr(settings, "DRILLS_SCANNER_SECONDS", DEFAULT_SCANNER_SECONDS))


def is_scanner(*, recipient: Recipient, user_agent: str, now: datetime | None = None) -> bool:
    """A known scanner agent, no agent at all, or a hit within seconds of delivery."""
    if _scanner_agent(user_agent):
        return True
    sent = recipient.sent_at
    return sent is not None and (now or timezone.now()) - sent < timedelta(
        seconds=_scanner_seconds()
    )


def _record_hit(*, tracking_id: str, kind: str, user_agent: str, person_source: str) -> bool:
    """One statement: the hit as an event of the recipient with this id, from a scanner when
    its agent says so or its mail went out under DRILLS_SCANNER_SECONDS ago (as is_scanner
    decides); False when no recipient has the id."""
    if not _TRACKING_ID.match(tracking_id):
        return False
    now = timezone.now()
    source = EventSource.SCANNER if _scanner_agent(user_agent) else person_source
    since = now - timedelta(seconds=_scanner_seconds())
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    event, recipient = quote(Event._meta.db_table), quote(Recipient._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {event} (recipient_id, kind, source, channel, at) "  # noqa: S608 (names from _meta)
            f"SELECT id, %s, CASE WHEN sent_at > %s THEN %s ELSE %s END, '', %s "
            f"FROM {recipient} WHERE tracking_id = %s",
            [kind, adapt(since), EventSource.SCANNER, source, adapt(now), tracking_id],
        )
        return bool(cursor.rowcount == 1)


def record_open(*, tracking_id: str, user_agent: str) -> bool:
    """The pixel was fetched: a person's open unless it looks like a scanner or proxy. False
    when no recipient has this id."""
    return _record_hit(
        tracking_id=tracking_id,
        kind=EventKind.OPENED,
        user_agent=user_agent,
        person_source=EventSource.PERSON,
    )


def record_link_hit(*, tracking_id: str, user_agent: str) -> bool:
    """The link was followed: a scanner's, or unconfirmed until the landing page's beacon.
    False when no recipient has this id."""
    return _record_hit(
        tracking_id=tracking_id,
        kind=EventKind.CLICKED,
        user_agent=user_agent,
        person_source=EventSource.UNCONFIRMED,
    )


def confirm_click(*, recipient: Recipient, lesson: Lesson | None) -> bool:
    """Count a person's click of a recipient found unconfirmed (count_click) and give
    `lesson`; True if this call counted it. The unique follow-up row makes two clicks at once
    count once: the second one's insert fails, and its savepoint takes back the assignment
    made just before it."""
    deadline = _lesson_deadline()
    with transaction.atomic():
        try:
            with transaction.atomic():
                assignment = assign_follow_up(recipient=recipient, lesson=lesson, deadline=deadline)
                _insert(
                    FollowUp,
                    recipient_id=recipient.pk,
                    lesson_id=lesson.pk if lesson else None,
                    assignment_id=assignment.pk if assignment else None,
                    deadline=deadline,
                    created_at=timezone.now(),
                )
        except IntegrityError:  # another beacon of the same person got there first
            return False
        _insert(
            Event,
            recipient_id=recipient.pk,
            kind=EventKind.CLICKED,
            source=EventSource.PERSON,
            channel="",
            at=timezone.now(),
        )
    return True


def _insert(model: type[FollowUp] | type[Event], **columns: str | int | datetime | None) -> None:
    """One INSERT of these column values: no save(), no signals, nothing compiled (a
    person's first click writes three rows, and clicks come by the thousand)."""
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    names = ", ".join(quote(name) for name in columns)
    values = [adapt(v) if isinstance(v, datetime) else v for v in columns.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608 (names from _meta and the caller)
            f"VALUES ({', '.join(['%s'] * len(values))})",
            values,
        )


def record_submitted(*, recipient: Recipient) -> bool:
    """The landing page's form was sent (its values never leave the browser); once each.
    A person's click too, if no beacon counted it first (the page's script sends both)."""
    count_click(recipient.tracking_id)
    quote = connection.ops.quote_name
    event, table = quote(Event._meta.db_table), quote(Recipient._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "sqlite":  # SQLite's IMMEDIATE transaction is the lock
            # Two posts of the same person in turn: the second sees the first's row.
            cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [recipient.pk])  # noqa: S608 (names from _meta)
        cursor.execute(
            f"INSERT INTO {event} (recipient_id, kind, source, channel, at) "  # noqa: S608 (names from _meta)
            f"SELECT %s, %s, %s, '', %s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {event} WHERE recipient_id = %s AND kind = %s)",
            [recipient.pk, EventKind.SUBMITTED, EventSource.PERSON,
             connection.ops.adapt_datetimefield_value(timezone.now()),
             recipient.pk, EventKind.SUBMITTED],
        )  # fmt: skip
        return bool(cursor.rowcount == 1)


def record_report(*, recipient: Recipient, channel: str, thank: bool = True) -> bool:
    """The person reported the drill mail; once each, thanked by mail (unless `thank` is off:
    the portal's button thanks with words that do not say a drill was found). True the first
    time."""
    if channel not in ReportChannel.values:
        raise ValueError(channel)
    with transaction.atomic():
        locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
        if locked.events.filter(kind=EventKind.REPORTED).exists():
            return False
        Event.objects.create(recipient=locked, kind=EventKind.REPORTED, channel=channel)
        if thank:
            transaction.on_commit(lambda: _send_thanks(recipient))
    return True


# Campaigns whose mail a report may still count for: approved and not ended (also paused).
_LIVE_STATUSES = (CampaignStatus.APPROVED, CampaignStatus.SENDING, CampaignStatus.PAUSED)
DEFAULT_REPORT_DAYS = 14


def reportable_recipients(*, person: User) -> QuerySet[Recipient]:
    """The person's drill mails the portal's button may report, newest first: delivered, not
    yet reported, of a campaign still running or ended (done, stopped) within the last
    DRILLS_REPORT_DAYS days."""
    days = int(getattr(settings, "DRILLS_REPORT_DAYS", DEFAULT_REPORT_DAYS))
    ended_lately = CampaignLog.objects.filter(
        campaign=OuterRef("campaign"),
        action__in=(CampaignAction.DONE, CampaignAction.STOPPED),
        at__gte=timezone.now() - timedelta(days=days),
    )
    reported = Event.objects.filter(recipient=OuterRef("pk"), kind=EventKind.REPORTED)
    return (
        Recipient.objects.filter(person=person, sent_at__isnull=False)
        .filter(Q(campaign__status__in=_LIVE_STATUSES) | Exists(ended_lately))
        .exclude(Exists(reported))
        .order_by("-sent_at", "-pk")
    )


def newest_reportable(*, person: User) -> Recipient | None:
    return reportable_recipients(person=person).first()


def record_portal_report(*, person: User, named: Sequence[Recipient] = ()) -> int:
    """The staff portal's "Báo cáo thư đáng ngờ": the person's own drill mails `named` (found
    in a pasted mail), else their newest reportable one; how many were recorded. The person
    is thanked by the same mail whether or not a drill mail was found, so that neither the
    page nor the mail tells whether a drill is running."""
    chosen = [r for r in named if r.person_id == person.pk]
    if not chosen:
        newest = newest_reportable(person=person)
        chosen = [newest] if newest is not None else []
    recorded = sum(
        record_report(recipient=r, channel=ReportChannel.PORTAL, thank=False) for r in chosen
    )
    transaction.on_commit(lambda: _send_portal_thanks(person))
    # Nothing personal in the log: not who, not which mail, not whether one was found.
    log.info("drill report button pressed in the staff portal")
    return recorded


def assign_follow_up(
    *, recipient: Recipient, lesson: Lesson | None, deadline: datetime
) -> Assignment | None:
    """Give the follow-up lesson as training's assignment to the person who clicked, so that
    it is on their training list and in their unit's progress; None when there is no lesson or
    it cannot be given. Called once per recipient, with the follow-up row written next (its
    one-to-one recipient is what stops a second assignment)."""
    if lesson is None:
        return None
    try:
        return assign_to_person(
            person=recipient.person,
            lesson=lesson,
            deadline=deadline,
            title=_("Bài học sau diễn tập: %(lesson)s") % {"lesson": lesson.title},
            note=_(
                "Bài học ngắn này được giao vì bạn đã mở liên kết trong một thư diễn tập. "
                "Không ai chấm điểm bạn; bài giúp bạn nhận ra thư giả mạo lần sau."
            ),
        )
    except TrainingError as exc:  # no home unit, a deadline setting out of range: no lesson
        log.warning("follow-up lesson of recipient %s not assigned: %s", recipient.pk, exc)
        return None


def _lesson_deadline() -> datetime:
    days = int(getattr(settings, "DRILLS_LESSON_DAYS", DEFAULT_LESSON_DAYS))
    return timezone.now() + timedelta(days=days)


def _send_portal_thanks(person: User) -> None:
    if not person.email:
        return
    body = _(
        "Cảm ơn bạn đã báo cáo thư đáng ngờ. Chúng tôi đã ghi nhận.\n\n"
        "Đừng bấm liên kết, đừng mở tệp đính kèm, đừng gửi mật khẩu, mã OTP hay chuyển tiền "
        "theo yêu cầu trong thư. Nếu thư nhân danh một người hay một cơ quan bạn biết, hãy "
        "hỏi lại họ qua số điện thoại bạn vẫn dùng. Hãy tiếp tục báo cáo mọi thư đáng ngờ.\n"
    )
    try:
        send_mail(_("Cảm ơn bạn đã báo cáo thư đáng ngờ"), body, None, [person.email])
    except OSError:  # the report is recorded; a lost thank-you mail is not worth a 500
        log.warning("thank-you mail of a portal report not sent")


def _send_thanks(recipient: Recipient) -> None:
    url = absolute_url(reverse("drill-thanks", args=[recipient.tracking_id]))
    body = _(
        "Cảm ơn bạn đã báo cáo thư đáng ngờ. Thư bạn báo cáo là thư diễn tập của đơn vị: "
        "bạn đã làm đúng. Hãy tiếp tục báo cáo mọi thư đáng ngờ như vậy.\n\n{url}\n"
    ).format(url=url)
    try:
        send_mail(
            _("Cảm ơn bạn đã báo cáo thư đáng ngờ"),
            body,
            None,
            [recipient.email],
            fail_silently=False,
        )
    except OSError:  # the report is recorded; a lost thank-you mail is not worth a 500
        log.warning("thank-you mail to recipient %s not sent", recipient.pk)
