"""What the content, public and feed tests share: a second editor at the province and one in
each district, a listed case whose reports carry contact data, and bulletins published through
the real services."""

from __future__ import annotations

import itertools
from datetime import date

from bulletins import services
from bulletins.models import Bulletin, Kind
from bulletins.services import Content, SourceInput
from orgs.models import Role, RoleAssignment, User
from orgs.testing import World
from reports.models import ScamType

SECRET_NAME = "Nguyễn Văn Bí Mật"
SECRET_PHONE = "0912345678"
SECRET_EMAIL = "nan-nhan-bi-mat@example.vn"
SECRET_STORY = "Tôi ở số 12 ngõ Kín, bị mất 50 triệu"

_numbers = itertools.count(1)


def add_editor(world: World, name: str, unit_code: str) -> User:
    user = User.objects.create(username=name, first_name=name, home_unit=world.unit(unit_code))
    RoleAssignment.objects.create(user=user, unit=world.unit(unit_code), role=Role.EDITOR)
    world.people[name] = user
    return user


def editors(world: World) -> World:
    """editor (province, in the world), editor_2 (province), editor_d1, editor_d2."""
    add_editor(world, "editor_2", "P")
    add_editor(world, "editor_d1", "D1")
    add_editor(world, "editor_d2", "D2")
    return world


def listed_case(world: World):
    """A case of two reports with the reporters' contact data, listed by two verifiers."""
    from reports.tests.factories import make_report
    from reports.workflow import confirm_listing, propose_listing

    report = make_report(
        world.unit("D1-C1"),
        "http://vietcombank-xac-minh.top/login",
        contact_phone=SECRET_PHONE,
        scam_type=ScamType.FAKE_WEBSITE,
        description=SECRET_STORY,
    )
    report.contact_email = SECRET_EMAIL
    report.save(update_fields=["contact_email"])
    assert report.contact_name == SECRET_NAME
    case = report.cases.get()
    propose_listing(
        case=case,
        verifier=world.person("verifier_d1"),
        category="phishing",
        risk="high",
        public_reason="Trang giả mạo ngân hàng, lấy mật khẩu và mã OTP.",
    )
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    case.refresh_from_db()
    return case


def content(title: str = "", **extra) -> Content:
    n = next(_numbers)
    values = {
        "title": title or f"Cảnh báo thử số {n}",
        "summary": f"Tóm tắt của bản tin số {n}.",
        "body_markdown": f"Nội dung **số {n}**.",
        **extra,
    }
    return Content(**values)


def fact_check_content(**extra) -> Content:
    return content(
        claim="Uống nước muối ấm chữa khỏi bệnh trong một ngày.",
        appeared_where="Một trang Facebook tự xưng là bệnh viện",
        appeared_when=date(2026, 11, 20),
        rating="false",
        sources=[SourceInput("https://moh.gov.vn/tin-tuc/1", date(2026, 11, 21), "Bộ Y tế")],
        **extra,
    )


def draft(
    world: World, *, kind: str = Kind.WARNING, author: str = "editor", unit: str = "P", **kwargs
) -> Bulletin:
    body = kwargs.pop("content", None) or (
        fact_check_content() if kind == Kind.FACT_CHECK else content()
    )
    return services.create_bulletin(
        kind=kind, unit=world.unit(unit), author=world.person(author), content=body, **kwargs
    )


def published(world: World, *, approver: str = "editor_2", at=None, **kwargs) -> Bulletin:
    """A bulletin written by `author` (default: editor) and approved by `approver`."""
    bulletin = draft(world, **kwargs)
    revision = services.submit_for_review(bulletin=bulletin, editor=bulletin.created_by)
    services.publish(revision=revision, approver=world.person(approver), at=at)
    bulletin.refresh_from_db()
    return bulletin


def correct(
    world: World,
    bulletin: Bulletin,
    *,
    note: str,
    title: str = "",
    author: str = "editor",
    approver: str = "editor_2",
):
    revision = services.start_correction(bulletin=bulletin, editor=world.person(author))
    sources = [SourceInput(s.url, s.published_on, s.title) for s in revision.sources.all()]
    fact_check = {
        "claim": revision.claim,
        "appeared_where": revision.appeared_where,
        "appeared_when": revision.appeared_when,
        "rating": revision.rating,
        "sources": sources,
    }
    body = content(title or revision.title, correction_note=note, **fact_check)
    services.update_bulletin(
        bulletin=bulletin,
        editor=world.person(author),
        content=body,
        units=bulletin.units.all(),
        tags=bulletin.tags,
        scam_type=bulletin.scam_type,
    )
    services.submit_for_review(bulletin=bulletin, editor=world.person(author))
    revision.refresh_from_db()
    return services.publish(revision=revision, approver=world.person(approver))
