"""The unit picker in a real Chromium 360 px wide: a citizen types "phu", sees the communes and
wards whose names hold "Phú", picks one with the keyboard and sends the report."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from orgs.browser_testing import assert_fits_phone
from orgs.management.commands.load_demo import UNITS_CSV
from orgs.models import CITIZEN_UNIT_KINDS, Unit
from orgs.services import import_units_csv
from orgs.widgets import fold
from reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)

LABEL = "Bạn sống ở xã, phường nào?"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page) -> list[str]:
    page.evaluate(Axe().axe_script)
    options = {"runOnly": {"type": "tag", "values": AXE_RULES}, "resultTypes": ["violations"]}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [f"{r['id']}: {[n['target'] for n in r['nodes']][:3]}" for r in result["violations"]]


def fill_the_rest(page) -> None:
    page.get_by_label("Bạn bị lừa hoặc bị mời chào qua đâu?").select_option("sms")
    page.get_by_label("Hình thức lừa đảo").select_option("fake_bank_sms")
    page.get_by_label("Chuyện gì đã xảy ra?").fill("Tôi nhận tin nhắn báo khoá tài khoản.")


def test_citizen_types_phu_sees_the_filtered_list_picks_one_and_submits(
    live_server, page, console_errors, immediate_tasks
):
    import_units_csv(text=UNITS_CSV.read_text(encoding="utf-8"))
    expected = sorted(
        (u.name for u in Unit.objects.filter(kind__in=CITIZEN_UNIT_KINDS) if "phu" in fold(u.name)),
        key=fold,
    )
    assert len(expected) >= 5
    page.goto(live_server.url + "/to-giac/")
    fill_the_rest(page)

    box = page.get_by_role("combobox", name=LABEL)  # the script made the box a combobox
    box.press_sequentially("phu", delay=30)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(len(expected))
    assert options.all_inner_texts() == expected  # "phu" found every "Phú", nothing else
    expect(page.get_by_role("status").filter(has_text="kết quả")).to_have_text(
        f"{len(expected)} kết quả."
    )
    assert_fits_phone(page)
    assert listbox.bounding_box()["width"] <= 360
    box.press("ArrowDown")
    assert axe_violations(page) == []  # the open list, an option active: WCAG 2.1 AA, best practice
    box.press("ArrowUp")  # back to the first line

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    box.press("Enter")  # chooses the line; the form is not sent yet
    expect(box).to_have_value(expected[1])
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    page.get_by_role("button", name="Gửi tố giác").click()
    expect(page.get_by_test_id("tracking-code")).to_be_visible()
    assert Report.objects.get().unit.name == expected[1]
    assert console_errors == []


def test_without_javascript_the_datalist_box_still_works(live_server, browser):
    import_units_csv(text=UNITS_CSV.read_text(encoding="utf-8"))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/to-giac/")
    fill_the_rest(page)
    box = page.get_by_label(LABEL)
    assert box.get_attribute("list")  # the browser's own suggestions
    box.fill("xa khong co")
    page.get_by_role("button", name="Gửi tố giác").click()
    error = page.locator(".field-error", has_text="Không tìm thấy xã, phường hay đặc khu")
    expect(error).to_contain_text("“xa khong co”")
    page.get_by_label(LABEL).fill("phuong an phu")  # typed without diacritics
    page.get_by_role("button", name="Gửi tố giác").click()
    expect(page.get_by_test_id("tracking-code")).to_be_visible()
    assert Report.objects.get().unit.name == "Phường An Phú"
    context.close()


def test_staff_filter_of_the_report_queue_is_searchable_too(live_server, page, console_errors):
    from django.conf import settings
    from django.test import Client

    from orgs.testing import build_world, sign_in_verified
    from reports.tests.factories import make_report

    world = build_world()
    import_units_csv(text="code,parent_code,kind,name\nW1,P,ward,Phường An Phú\n")
    make_report(Unit.objects.get(code="W1"), "0912345678")
    make_report(world.unit("D2-C1"), "0987000111")
    client = Client()
    sign_in_verified(client, world.person("verifier_province"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto(live_server.url + "/staff/reports/")
    box = page.get_by_role("combobox", name="Đơn vị")
    box.press_sequentially("an phu", delay=30)
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_text(["Phường An Phú"])
    box.press("ArrowDown")
    box.press("Enter")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"unit=W1"))
    queue = page.get_by_test_id("queue").inner_text()
    assert "+84912345678" in queue and "+84987000111" not in queue
    expect(page.get_by_role("combobox", name="Đơn vị")).to_have_value("Phường An Phú")
    assert_fits_phone(page)
    assert console_errors == []
