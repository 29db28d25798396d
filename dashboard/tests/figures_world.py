"""A small dashboard world on top of orgs.testing's: people in three communes (8 in D1-C1, 4
in D1-C2, 6 in D2-C1), reports, cases with their audit events, appeals, training, one drill
campaign and bulletins, around March 2026 (local time), with rows on the edges of the month.
The tests compute their expectations from these rows directly, never through dashboard code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from bulletins.models import Bulletin, Kind, OutboxItem, Revision
from bulletins.models import Channel as BulletinChannel
from drills.loading import load_drill_templates
from drills.models import (
    Campaign,
    Event,
    EventKind,
    EventSource,
    LandingPage,
    Recipient,
    SendingProfile,
    Template,
)
from indicators.models import Indicator, Status
from orgs.models import Role, RoleAssignment, User
from orgs.testing import World, _password_hash
from reports.models import (
    Appeal,
    AppealStatus,
    AuditAction,
    AuditEvent,
    Case,
    Channel,
    Report,
    ScamType,
)
from training.models import Assignment, Completion, Quiz, Verb

MARCH = date(2026, 3, 1)
JOINED = datetime(2025, 6, 1, tzinfo=timezone.get_fixed_timezone(7 * 60))


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local (Asia/Ho_Chi_Minh) time."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class FiguresWorld:
    world: World
    template: Template

    def person(self, name: str) -> User:
        return self.world.person(name)


def _person(world: World, name: str, code: str | None, *, role: str = Role.STAFF) -> User:
    unit = world.unit(code) if code else None
    user = User.objects.create(
        username=name, password=_password_hash(), home_unit=unit, date_joined=JOINED
    )
    if unit is not None:
        RoleAssignment.objects.create(user=user, unit=unit, role=role)
    world.people[name] = user
    return user


def _people(world: World) -> None:
    User.objects.update(date_joined=JOINED)
    for i in range(6):
        _person(world, f"c1_{i}", "D1-C1")
    _person(world, "manager_c1", "D1-C1", role=Role.UNIT_MANAGER)  # D1-C1: 8 staff
    for i in range(3):
        _person(world, f"c2_{i}", "D1-C2")  # D1-C2: 4 staff, a cohort too small for rates
    manager_c2 = _person(world, "manager_c2", None)
    RoleAssignment.objects.create(user=manager_c2, unit=world.unit("D1-C2"), role=Role.UNIT_MANAGER)
    for i in range(5):
        _person(world, f"d2c1_{i}", "D2-C1")  # D2-C1: 6 staff
    late = _person(world, "joined_april", "D1-C1")
    late.date_joined = at(date(2026, 4, 5))
    late.save(update_fields=["date_joined"])
    gone = _person(world, "left", "D1-C1")
    gone.is_active = False
    gone.save(update_fields=["is_active"])


def _report(
    world: World, code: str, when: datetime, scam: str, channel: str, money: int | None
) -> Report:
    return Report.objects.create(
        tracking_code=f"R{Report.objects.count():011d}",
        channel=channel,
        scam_type=scam,
        money_lost=money,
        unit=world.unit(code),
        source="form",
        created_at=when,
    )


def _reports(world: World) -> dict[str, Report]:
    s, c = ScamType, Channel
    rows = {
        "r1": ("D1-C1", at(date(2026, 3, 2)), s.FAKE_BANK_SMS, c.SMS, 1_000_000),
        "r2": ("D1-C1", at(date(2026, 3, 2), 15), s.JOB_TASK, c.ZALO, 5_000_000),
        "r3": ("D1-C1", at(date(2026, 3, 5), 8), s.FAKE_BANK_SMS, c.SMS, None),
        "r4": ("D1-C2", at(date(2026, 3, 5), 10), s.INVESTMENT, c.FACEBOOK, 20_000_000),
        "r5": ("D1-C2", at(date(2026, 2, 20), 10), s.FAKE_BANK_SMS, c.CALL, 0),
        "r6": ("D1-C1", at(date(2026, 3, 31), 23, 30), s.ROMANCE, c.FACEBOOK, 300_000),
        "r7": ("D1-C1", at(date(2026, 4, 1), 0, 10), s.ROMANCE, c.FACEBOOK, 700_000),
        "r8": ("D2-C1", at(date(2026, 3, 7)), s.FAKE_BANK_SMS, c.SMS, 2_000_000),
        "r9": ("D2-C1", at(date(2026, 3, 8)), s.DEEPFAKE, c.ZALO, 90_000_000),
        "r10": ("D1-C1", at(date(2026, 2, 1), 0, 5), s.JOB_TASK, c.ZALO, 50_000),
        "r11": ("D1-C1", at(date(2026, 2, 28), 23, 55), s.FAKE_BANK_SMS, c.SMS, 10_000),
    }
    return {name: _report(world, *row) for name, row in rows.items()}


def _case(
    world: World, code: str, reports: list[Report], created: datetime, closed: datetime | None
) -> Case:
    case = Case.objects.create(unit=world.unit(code), created_at=created, closed_at=closed)
    case.reports.set(reports)
    return case


def _event(case: Case, action: str, when: datetime, status: str) -> None:
    AuditEvent.objects.create(
        at=when, action=action, case=case, actor_label="xmv", after={"status": status}
    )


def _cases(world: World, r: dict[str, Report]) -> None:
    march = MARCH
    a = _case(world, "D1-C1", [r["r1"], r["r2"]], at(march, 9, 5), at(date(2026, 3, 3), 12, 30))
    _event(a, AuditAction.CONFIRMED, at(date(2026, 3, 3), 12, 30), Status.LISTED)  # 27.5 h
    _event(a, AuditAction.CONFIRMED, at(date(2026, 3, 20)), Status.LISTED)  # not the first
    b = _case(world, "D1", [r["r3"], r["r4"]], at(date(2026, 3, 5), 8), at(date(2026, 3, 6), 8))
    _event(b, AuditAction.DECIDED, at(date(2026, 3, 6), 8), Status.CLEARED)  # 24 h
    listed_c = at(date(2026, 3, 1), 6, 30)  # still 28 February in UTC: counts in March
    c = _case(world, "D1-C2", [r["r5"]], at(date(2026, 2, 20), 10), listed_c)
    _event(c, AuditAction.CONFIRMED, listed_c, Status.LISTED)  # 212.5 h
    _case(world, "D1-C1", [r["r6"]], at(date(2026, 3, 10)), None)  # pending
    _case(world, "D1-C1", [], at(date(2026, 3, 10)), at(date(2026, 4, 2)))  # pending on 31/3
    _case(world, "D1-C1", [r["r10"]], at(date(2026, 2, 10)), at(date(2026, 3, 15)))
    d = _case(world, "D2-C1", [r["r8"], r["r9"]], at(date(2026, 3, 7)), at(date(2026, 3, 9)))
    _event(d, AuditAction.CONFIRMED, at(date(2026, 3, 9)), Status.LISTED)
    e = _case(world, "D1-C1", [r["r11"]], at(date(2026, 2, 28), 23, 55), None)
    _event(e, AuditAction.DECIDED, at(date(2026, 2, 28), 23, 58), Status.INSUFFICIENT_EVIDENCE)


def _appeals(world: World) -> None:
    indicator = Indicator.objects.create(kind="phone", value="+84900000001", status=Status.LISTED)
    rows = [
        ("D1", at(date(2026, 3, 4)), AppealStatus.DELISTED, at(date(2026, 3, 8))),
        ("D1", at(date(2026, 2, 25)), AppealStatus.REJECTED, at(date(2026, 3, 9))),
        ("D1-C1", at(date(2026, 3, 30)), AppealStatus.RECEIVED, None),
        ("D2", at(date(2026, 3, 4)), AppealStatus.REJECTED, at(date(2026, 3, 5))),
    ]
    for i, (code, created, status, decided) in enumerate(rows):
        Appeal.objects.create(
            tracking_code=f"AP{i:010d}", kind="phone", value=indicator.value,
            indicator=indicator, unit=world.unit(code), owner_name="Chủ thuê bao",
            owner_contact="chu@example.test", explanation="Số của tôi", status=status,
            deadline=created + timedelta(days=15), decided_at=decided, created_at=created,
        )  # fmt: skip


def _completion(
    user: User, assignment: Assignment, *, satisfied: bool, success: bool | None, when: datetime
) -> None:
    Completion.objects.create(
        user=user, assignment=assignment, satisfied=satisfied, success=success,
        completion=satisfied, verb=Verb.PASSED if success else Verb.COMPLETED,
        completed_at=when if satisfied else None, timestamp=when,
    )  # fmt: skip


def _training(world: World) -> None:
    quiz = Quiz.objects.create(slug="kiem-tra-thu", title="Bài kiểm tra thử")
    admin = world.person("admin")
    a1 = Assignment.objects.create(
        title="Nhận diện lừa đảo", unit=world.unit("D1"), quiz=quiz,
        deadline=at(date(2026, 3, 31)), created_by=admin, created_at=at(date(2026, 1, 5)),
    )  # fmt: skip
    a2 = Assignment.objects.create(
        title="Mật khẩu", unit=world.unit("P"), deadline=at(date(2026, 4, 30)),
        created_by=admin, created_at=at(date(2026, 3, 15)),
    )  # fmt: skip
    Assignment.objects.create(
        title="Sau tháng ba", unit=world.unit("D1-C1"), deadline=at(date(2026, 5, 30)),
        created_by=admin, created_at=at(date(2026, 4, 10)),
    )  # fmt: skip
    c1 = [world.person(f"c1_{i}") for i in range(6)]
    for person in c1[:4] + [world.person("staff_d1_c1")]:
        _completion(person, a1, satisfied=True, success=True, when=at(date(2026, 2, 20)))
    _completion(c1[4], a1, satisfied=False, success=False, when=at(date(2026, 3, 20)))
    _completion(c1[5], a1, satisfied=True, success=True, when=at(date(2026, 4, 3)))  # after
    for person in c1[:3]:
        _completion(person, a2, satisfied=True, success=None, when=at(date(2026, 3, 25)))
    _completion(world.person("c2_0"), a1, satisfied=True, success=True, when=at(date(2026, 3, 2)))
    _completion(
        world.person("d2c1_0"), a2, satisfied=True, success=None, when=at(date(2026, 3, 28))
    )


def _send(campaign: Campaign, person: User, sent: datetime) -> Recipient:
    return Recipient.objects.create(campaign=campaign, person=person, due_at=sent, sent_at=sent)


def _drill_event(r: Recipient, kind: str, minutes: int, source: str = EventSource.PERSON) -> None:
    assert r.sent_at is not None
    Event.objects.create(
        recipient=r, kind=kind, source=source, at=r.sent_at + timedelta(minutes=minutes)
    )


def _drills(world: World) -> Template:
    load_drill_templates()
    template = Template.objects.order_by("pk").first()
    assert template is not None
    campaign = Campaign.objects.create(
        name="Diễn tập tháng ba", unit=world.unit("P"), template=template,
        landing_page=LandingPage.objects.order_by("pk")[0],
        sending_profile=SendingProfile.objects.create(
            name="Gửi thử", unit=world.unit("P"), sender_domain="dien-tap.canhgiac.test"
        ),
        window_start=date(2026, 3, 10), window_end=date(2026, 3, 14), status="done",
        created_by=world.person("drill_operator"),
    )  # fmt: skip
    sent = at(date(2026, 3, 10))
    c1 = [world.person("staff_d1_c1"), world.person("manager_c1")]
    c1 += [world.person(f"c1_{i}") for i in range(6)]
    mails = [_send(campaign, p, sent) for p in c1]
    for r, minutes in zip(mails[:3], (10, 30, 45), strict=True):
        _drill_event(r, EventKind.REPORTED, minutes)
    _drill_event(mails[0], EventKind.REPORTED, 90)  # a second report: the first one counts
    _drill_event(mails[3], EventKind.CLICKED, 3)
    _drill_event(mails[4], EventKind.CLICKED, 4)
    _drill_event(mails[4], EventKind.SUBMITTED, 5)
    _drill_event(mails[5], EventKind.CLICKED, 0, EventSource.SCANNER)  # no one's click
    c2 = [world.person("staff_d1_c2")] + [world.person(f"c2_{i}") for i in range(3)]
    c2_mails = [_send(campaign, p, sent) for p in c2]
    _drill_event(c2_mails[0], EventKind.CLICKED, 2)
    d2 = [world.person("staff_d2_c1")] + [world.person(f"d2c1_{i}") for i in range(5)]
    d2_mails = [_send(campaign, p, at(date(2026, 3, 11))) for p in d2]
    _drill_event(d2_mails[0], EventKind.REPORTED, 5)
    _drill_event(d2_mails[1], EventKind.REPORTED, 20)
    return template


def _bulletins(world: World) -> None:
    editor = world.person("editor")
    for slug, code, published in (
        ("canh-bao-d1", "D1", at(date(2026, 3, 12))),
        ("canh-bao-tinh", "P", at(date(2026, 3, 13))),
        ("canh-bao-thang-hai", "D1", at(date(2026, 2, 13))),
    ):
        bulletin = Bulletin.objects.create(
            kind=Kind.WARNING, slug=slug, unit=world.unit(code), status="published",
            created_by=editor, published_at=published,
        )  # fmt: skip
        revision = Revision.objects.create(
            bulletin=bulletin, number=1, state="published", title=slug, summary=slug,
            body_markdown=slug, written_by=editor, published_at=published,
        )  # fmt: skip
        OutboxItem.objects.create(
            key=f"zalo:{slug}", revision=revision, channel=BulletinChannel.ZALO,
            status="sent", sent_at=published + timedelta(minutes=5),
        )  # fmt: skip


def build_figures_world(world: World) -> FiguresWorld:
    _people(world)
    _cases(world, _reports(world))
    _appeals(world)
    _training(world)
    template = _drills(world)
    _bulletins(world)
    return FiguresWorld(world=world, template=template)
