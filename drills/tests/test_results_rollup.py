"""Roll-ups (issue 17, point 6, "per unit and over time"): a unit with everything below it next
to its sub-units, the same unit campaign by campaign over twelve months, every figure checked
against counts taken straight from the database; small cohorts show no rates; a manager cannot
open another commune by editing the query string; the XLSX carries the same numbers."""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.db.models import Min
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from drills.models import (
    Campaign,
    CampaignStatus,
    Event,
    EventKind,
    EventSource,
    Recipient,
    Template,
)
from drills.results import MIN_GROUP, REPEAT_CLICKS, Rollup, Tally, rollup
from drills.views_results import CHART_BOTTOM, CHART_TOP, trend_chart
from orgs.models import Role, Unit, UnitKind, User
from orgs.testing import World, sign_in_verified

from .campaign_world import ALLOWED_DOMAIN, DrillWorld, add_person, build_drill_world

# Who is where: D1-C1 has two sub-units and two people of its own; D1-C2 is a cohort of 4;
# D2-C1 is another district's commune.
COHORTS = {"D1-C1-A": 6, "D1-C1-B": 5, "D1-C1": 2, "D1-C2": 4, "D2-C1": 5}
SUB_UNITS = {"D1-C1-A": "Thôn Một", "D1-C1-B": "Ban Văn phòng xã"}
# Three campaigns over three months, each with another template (other difficulty).
CAMPAIGNS = (("Đợt tháng trước nữa", "thuong-thi-dua-cuoi-nam", 62),
             ("Đợt tháng trước", "it-hop-thu-day", 31),
             ("=HYPERLINK(\"http://x.test\")", "chia-se-ho-so-scan", 3))  # fmt: skip


@dataclass
class ResultsWorld:
    drills: DrillWorld
    campaigns: list[Campaign]
    people: dict[str, list[User]]  # unit code -> its people in the drills

    def unit(self, code: str) -> Unit:
        return Unit.objects.get(code=code)


def _outcome(k: int, i: int) -> tuple[bool, bool, int | None, bool]:
    """Campaign k, person i: clicked, submitted, minutes to report (None: no report), and a
    scanner hit. A fixed pattern, varied enough that every figure differs between units."""
    clicked = (i + k) % 3 == 0 or (i % 5 == 2 and k >= 1) or (i, k) == (3, 1)
    submitted = clicked and i % 2 == 0
    reported = None if clicked or (i + 2 * k) % 4 == 3 else 4 + 7 * i + 3 * k
    return clicked, submitted, reported, (i + k) % 5 == 1


def _record(recipient: Recipient, k: int, i: int) -> None:
    assert recipient.sent_at is not None
    clicked, submitted, reported, scanner = _outcome(k, i)
    at = recipient.sent_at
    events = []
    if scanner:
        events.append(Event(recipient=recipient, kind=EventKind.CLICKED, source=EventSource.SCANNER, at=at))  # fmt: skip
    if clicked:
        events.append(Event(recipient=recipient, kind=EventKind.CLICKED, at=at + timedelta(minutes=2)))  # fmt: skip
    if submitted:
        events.append(Event(recipient=recipient, kind=EventKind.SUBMITTED, at=at + timedelta(minutes=3)))  # fmt: skip
    if reported is not None:
        for later in (0, 30):  # reported twice: the first report counts
            when = at + timedelta(minutes=reported + later)
            events.append(Event(recipient=recipient, kind=EventKind.REPORTED, at=when))
    Event.objects.bulk_create(events)


def _campaign(dw: DrillWorld, name: str, slug: str, days_ago: int) -> Campaign:
    start = timezone.localdate() - timedelta(days=days_ago)
    return Campaign.objects.create(
        name=name,
        unit=dw.unit("P"),
        template=Template.objects.get(slug=slug),
        landing_page=dw.landing,
        sending_profile=dw.profile,
        window_start=start,
        window_end=start + timedelta(days=2),
        status=CampaignStatus.DONE,
        created_by=dw.person("drill_operator"),
        approved_by=dw.person("manager_province"),
    )


def add_sub_unit(code: str, name: str, parent: Unit) -> Unit:
    fresh = Unit.objects.get(pk=parent.pk)  # treebeard reads numchild and path from it
    return Unit.objects.add_child(fresh, {"code": code, "name": name, "kind": UnitKind.AGENCY})


def build_results_world(world: World) -> ResultsWorld:
    dw = build_drill_world(world)
    for code, name in SUB_UNITS.items():
        world.units[code] = add_sub_unit(code, name, Unit.objects.get(code="D1-C1"))
    people = {
        code: [add_person(world, f"nv_{code.lower()}_{i}", Role.STAFF, code) for i in range(n)]
        for code, n in COHORTS.items()
    }
    campaigns = [_campaign(dw, *spec) for spec in CAMPAIGNS]
    for k, campaign in enumerate(campaigns):
        sent = timezone.make_aware(datetime.combine(campaign.window_start, time(9)))
        for members in people.values():
            for i, person in enumerate(members):
                recipient = Recipient.objects.create(
                    campaign=campaign, person=person, email=person.email, due_at=sent,
                    sent_at=sent + timedelta(minutes=i),
                )  # fmt: skip
                _record(recipient, k, i)
    return ResultsWorld(dw, campaigns, people)


@pytest.fixture
def rw(world, settings) -> ResultsWorld:
    settings.DRILLS_ALLOWED_MAIL_DOMAINS = [ALLOWED_DOMAIN]
    return build_results_world(world)


# The oracle: counts straight from the database, written without drills.results.


def _direct(path: str, campaigns: list[Campaign]) -> dict[str, object]:
    mails = Recipient.objects.filter(
        person__home_unit__path__startswith=path, campaign__in=campaigns, sent_at__isnull=False
    )
    people = mails.values("person").distinct().count()

    def having(kind: str) -> int:
        return mails.filter(events__kind=kind, events__source=EventSource.PERSON).distinct().count()

    n = mails.count()
    first = mails.filter(events__kind=EventKind.REPORTED).annotate(first=Min("events__at"))
    delays = [(r.first - r.sent_at).total_seconds() / 60 for r in first]
    shown = people >= MIN_GROUP
    return {
        "recipients": people,
        "mails": n,
        "report_rate": round(100 * having(EventKind.REPORTED) / n, 1) if shown else None,
        "click_rate": round(100 * having(EventKind.CLICKED) / n, 1) if shown else None,
        "submit_rate": round(100 * having(EventKind.SUBMITTED) / n, 1) if shown else None,
        "median_report_minutes": round(statistics.median(delays), 1) if shown else None,
        "scanner_hits": Event.objects.filter(recipient__in=mails)
        .exclude(source=EventSource.PERSON)
        .count(),
        "mean_difficulty": round(
            sum(r.campaign.template.difficulty for r in mails.select_related("campaign__template"))
            / n,
            1,
        ),
    }


def _figures(t: Tally) -> dict[str, object]:
    return {key: getattr(t, key) for key in _direct_keys()}


def _direct_keys() -> list[str]:
    return ["recipients", "mails", "report_rate", "click_rate", "submit_rate",
            "median_report_minutes", "scanner_hits", "mean_difficulty"]  # fmt: skip


def _repeaters(rw: ResultsWorld, code: str, upto: int) -> int:
    """People of `code` and below who clicked in REPEAT_CLICKS of campaigns 0..upto (all three
    campaigns fit in the repeat window)."""
    return sum(
        1
        for unit_code, members in rw.people.items()
        if unit_code.startswith(code)
        for i in range(len(members))
        if sum(_outcome(k, i)[0] for k in range(upto + 1)) >= REPEAT_CLICKS
    )


def _rows_by_code(result: Rollup) -> dict[str, Tally]:
    group = result.groups[0]
    rows: dict[str, Tally] = {group.unit.code: group.total}
    rows.update({("own:" if r.own else "") + r.unit.code: r for r in group.rows})
    return rows


def test_a_commune_with_everything_below_it_next_to_its_sub_units(rw):
    operator = rw.drills.person("drill_operator")
    d1_c1 = rw.unit("D1-C1")
    rows = _rows_by_code(rollup(operator, unit_id=d1_c1.pk))
    assert set(rows) == {"D1-C1", "own:D1-C1", "D1-C1-A", "D1-C1-B"}
    for code in ("D1-C1", "D1-C1-A", "D1-C1-B"):
        assert _figures(rows[code]) == _direct(rw.unit(code).path, rw.campaigns), code
    assert rows["D1-C1"].recipients == 13 and rows["D1-C1"].mails == 39
    assert rows["D1-C1"].mean_difficulty == round((1 + 4 + 5) / 3, 1)
    assert rows["D1-C1"].repeat_clickers == _repeaters(rw, "D1-C1", 2) > 0
    assert rows["D1-C1-A"].repeat_clickers == _repeaters(rw, "D1-C1-A", 2)
    # The commune's own two people: counted in the total, no rates of their own.
    own = rows["own:D1-C1"]
    assert (own.recipients, own.report_rate, own.click_rate, own.repeat_clickers) == (
        2, None, None, None
    )  # fmt: skip
    # Sub-units add up to the total.
    parts = [rows[c] for c in ("own:D1-C1", "D1-C1-A", "D1-C1-B")]
    assert sum(p.mails for p in parts) == rows["D1-C1"].mails
    assert sum(p.reported for p in parts) == rows["D1-C1"].reported


def test_the_operator_starts_from_the_province_and_opens_down(rw):
    operator = rw.drills.person("drill_operator")
    top = rollup(operator)
    assert [g.unit.code for g in top.groups] == ["P"]
    rows = _rows_by_code(top)
    assert {"D1", "D2", "S1", "O1"} <= set(rows)
    assert _figures(rows["P"]) == _direct(rw.unit("P").path, rw.campaigns)
    assert _figures(rows["D2"]) == _direct(rw.unit("D2").path, rw.campaigns)
    d1 = _rows_by_code(rollup(operator, unit_id=rw.unit("D1").pk))
    assert _figures(d1["D1-C1"]) == _direct(rw.unit("D1-C1").path, rw.campaigns)
    assert [u.code for u in rollup(operator, unit_id=rw.unit("D1-C1-A").pk).groups[0].trail] == [
        "P", "D1", "D1-C1"
    ]  # fmt: skip


def test_campaign_by_campaign_over_the_last_twelve_months(rw):
    old = _campaign(rw.drills, "Đợt năm ngoái", "bhxh-cap-nhat-so", 400)
    person = rw.people["D1-C1-A"][0]
    Recipient.objects.create(
        campaign=old, person=person, email=person.email, due_at=timezone.now(),
        sent_at=timezone.now() - timedelta(days=400),
    )  # fmt: skip
    result = rollup(rw.drills.person("manager_d1"), unit_id=rw.unit("D1-C1").pk)
    trend = result.groups[0].trend
    assert [r.campaign.pk for r in trend] == [c.pk for c in rw.campaigns]  # oldest first
    for k, row in enumerate(trend):
        assert _figures(row) == _direct(rw.unit("D1-C1").path, [rw.campaigns[k]])
        assert row.difficulty == rw.campaigns[k].template.difficulty
        assert row.repeat_clickers == _repeaters(rw, "D1-C1", k)
    assert trend[0].repeat_clickers == 0  # nobody repeats on their first campaign


def test_a_cohort_of_four_shows_no_rates_in_the_rollup_or_the_trend(client, rw):
    operator = rw.drills.person("drill_operator")
    d1 = _rows_by_code(rollup(operator, unit_id=rw.unit("D1").pk))
    small = d1["D1-C2"]
    assert small.recipients == 4 and small.mails == 12 and small.clicked > 0
    assert [small.report_rate, small.median_report_minutes, small.click_rate,
            small.submit_rate, small.repeat_clickers] == [None] * 5  # fmt: skip
    trend = rollup(operator, unit_id=rw.unit("D1-C2").pk).groups[0].trend
    assert len(trend) == 3
    for row in trend:
        assert row.recipients == 4
        assert (row.report_rate, row.click_rate, row.repeat_clickers) == (None, None, None)
    sign_in_verified(client, operator)
    page = client.get(reverse("drills:results"), {"unit": rw.unit("D1-C2").pk}).content.decode()
    assert page.count('data-testid="small-group"') >= 1 + 3  # the total and each campaign
    assert "%" not in page.split('data-testid="drill-rollup"')[1].split("</section>")[0]


def test_a_manager_of_one_commune_cannot_open_another(client, rw):
    manager = rw.drills.person("manager_d1_c1")
    assert [g.unit.code for g in rollup(manager).groups] == ["D1-C1"]
    sign_in_verified(client, manager)
    for code in ("D1-C2", "D2-C1", "D1", "P"):
        for name in ("drills:results", "drills:results-xlsx"):
            response = client.get(reverse(name), {"unit": rw.unit(code).pk})
            assert response.status_code == 403, (code, name)
    for tampered in ("abc", "-1", "999999", "1 OR 1=1", "²"):
        assert client.get(reverse("drills:results"), {"unit": tampered}).status_code == 403
    own = client.get(reverse("drills:results"), {"unit": rw.unit("D1-C1-A").pk})
    assert own.status_code == 200 and "Thôn Một" in own.content.decode()
    page = client.get(reverse("drills:results")).content.decode()
    assert "Xã Một Hai" not in page and "Xã Hai Một" not in page


def test_repeat_clickers_are_named_only_to_the_operator_and_their_units_managers(rw):
    expected_c1 = {
        p.username
        for code, members in rw.people.items()
        if code.startswith("D1-C1")
        for i, p in enumerate(members)
        if sum(_outcome(k, i)[0] for k in range(3)) >= REPEAT_CLICKS
    }
    named = {p.username for p in rollup(rw.drills.person("manager_d1_c1")).people}
    assert named == expected_c1 and named
    everyone = {p.username for p in rollup(rw.drills.person("drill_operator")).people}
    assert expected_c1 < everyone
    d2_named = rollup(rw.drills.person("manager_d2")).people
    assert d2_named and all(p.username.startswith("nv_d2-c1") for p in d2_named)


def _sheet(content: bytes, title: str) -> list[tuple[object, ...]]:
    return list(load_workbook(io.BytesIO(content))[title].iter_rows(values_only=True))


def test_the_xlsx_carries_the_same_numbers_a_sheet_per_table(client, rw):
    operator = rw.drills.person("drill_operator")
    d1_c1 = rw.unit("D1-C1")
    sign_in_verified(client, operator)
    content = client.get(reverse("drills:results-xlsx"), {"unit": d1_c1.pk}).content
    group = rollup(operator, unit_id=d1_c1.pk).groups[0]
    rollup_sheet = _sheet(content, "Theo đơn vị")
    assert rollup_sheet[0][4:7] == ("Số người nhận", "Số thư đã gửi", "Độ khó trung bình (1–5)")
    expected = [
        [r.unit.code, r.recipients, r.mails, r.mean_difficulty, r.report_rate,
         r.median_report_minutes, r.click_rate, r.submit_rate, r.repeat_clickers, r.scanner_hits]
        for r in [group.total, *group.rows]
    ]  # fmt: skip
    assert [[row[2], *row[4:]] for row in rollup_sheet[1:]] == expected
    assert rollup_sheet[1][4:8] == tuple(
        _direct(d1_c1.path, rw.campaigns)[k] for k in ("recipients", "mails", "mean_difficulty", "report_rate")
    )  # fmt: skip
    trend_sheet = _sheet(content, "Theo thời gian")
    assert [row[5:] for row in trend_sheet[1:]] == [
        (r.recipients, r.report_rate, r.median_report_minutes, r.click_rate, r.submit_rate,
         r.repeat_clickers, r.scanner_hits)
        for r in group.trend
    ]  # fmt: skip
    # A campaign name typed as a formula stays text.
    assert trend_sheet[3][2] == "'" + CAMPAIGNS[2][0]
    assert _sheet(content, "Theo đợt và đơn vị")[1][1] == "'" + CAMPAIGNS[2][0]


def test_the_page_shows_the_rollup_and_trend_with_labels_for_phones(client, rw):
    sign_in_verified(client, rw.drills.person("drill_operator"))
    page = client.get(reverse("drills:results"), {"unit": rw.unit("D1-C1").pk}).content.decode()
    rollup_part = page.split('data-testid="drill-rollup"')[1].split("</table>")[0]
    assert "Thôn Một" in rollup_part and "Ban Văn phòng xã" in rollup_part
    assert "Cán bộ của chính Xã Một Một" in rollup_part
    trend_part = page.split('data-testid="drill-trend"')[1].split("</table>")[0]
    assert trend_part.count("<tr>") == 1 + 3
    assert "Đợt tháng trước nữa" in trend_part and "1/5" in trend_part
    for part in (rollup_part, trend_part):
        body = part.split("<tbody>")[1]
        assert body.count("<td") == body.count("<td data-label=") + body.count(
            '<td colspan="5" class="muted" data-label='
        )


def test_rollup_queries_do_not_grow_with_the_units(rw):
    operator = rw.drills.person("drill_operator")
    with CaptureQueriesContext(connection) as few:
        rollup(operator)
    d2 = Unit.objects.get(code="D2")
    for n in range(8):
        commune = add_sub_unit(f"D2-X{n}", f"Xã Thêm {n}", d2)
        hamlet = add_sub_unit(f"D2-X{n}-T", f"Thôn của xã {n}", commune)
        rw.drills.world.units[hamlet.code] = hamlet
        person = add_person(rw.drills.world, f"nv_them_{n}", Role.STAFF, hamlet.code)
        for campaign in rw.campaigns:
            Recipient.objects.create(
                campaign=campaign, person=person, email=person.email, due_at=timezone.now(),
                sent_at=timezone.now(),
            )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        result = rollup(operator, unit_id=d2.pk)
    assert len(many.captured_queries) == len(few.captured_queries) <= 10
    assert len(result.groups[0].rows) >= 9


def test_the_trend_chart_draws_the_table_numbers_and_nothing_for_a_small_cohort(rw):
    operator = rw.drills.person("drill_operator")
    trend = rollup(operator, unit_id=rw.unit("D1-C1").pk).groups[0].trend
    chart = trend_chart(trend)
    assert chart is not None
    report, click = chart.lines
    assert len(report.segments) == 1 and len(report.segments[0].split()) == 3
    heights = [CHART_BOTTOM - y for _x, y, _tip in report.dots]
    span = CHART_BOTTOM - CHART_TOP
    assert heights == pytest.approx([(r.report_rate or 0) * span / 100 for r in trend], abs=0.1)
    assert [tip.split(": ")[0] for _x, _y, tip in click.dots] == [r.campaign.name for r in trend]
    assert [label for _x, label, _a in chart.ticks][0] == f"{trend[0].sent_on:%d/%m} (1/5)"
    small = rollup(operator, unit_id=rw.unit("D1-C2").pk).groups[0].trend
    assert trend_chart(small) is None
