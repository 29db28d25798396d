"""Every staff table read on a 360 px phone in a real Chromium: nothing wider than the screen,
no table to scroll sideways, and no value wrapped one letter per line."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from orgs import lockout
from orgs.models import PartnerKey
from orgs.testing import build_world, sign_in_verified
from reports.tests.factories import make_report
from reports.workflow import confirm_listing, file_appeal, propose_listing
from training.tests.factories import make_assignment, make_lesson

pytestmark = pytest.mark.django_db(transaction=True)

LONG_URL = (
    "http://xac-thuc-tai-khoan-ngan-hang-truc-tuyen-an-toan.com/dang-nhap/khach-hang"
    "?ma-giao-dich=8f3a2c9d1e7b4a6f0c5d2e8b9a1f3c7d&quay-lai=trang-chu"
)

# For every visible text in <main>: on how many lines does it lie? A text of n characters on
# more than n/3 lines is a value squeezed into a column a few letters wide. The page and each
# table box must also fit the screen.
MEASURE = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    problems.push(`page is ${root.scrollWidth}px wide for ${window.innerWidth}px`);
  }
  for (const box of document.querySelectorAll(".table-wrap, .table-scroll")) {
    if (box.scrollWidth > box.clientWidth + 1) {
      problems.push(`a table scrolls sideways: ${box.scrollWidth}px in ${box.clientWidth}px`);
    }
  }
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  let measured = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    const owner = node.parentElement;
    if (text.length < 4 || owner.closest("thead, .visually-hidden, [hidden], option, script")) {
      continue;
    }
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set(
      [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))
    );
    if (lines.size === 0) continue;
    measured += 1;
    if (text.length / lines.size < 3) {
      problems.push(`"${text.slice(0, 50)}" (${text.length} characters) on ${lines.size} lines`);
    }
  }
  return {problems, measured};
}"""


def assert_reads_well(page, *, at_least: int = 5) -> None:
    found = page.evaluate(MEASURE)
    assert found["problems"] == [], f"{page.url}: {found['problems']}"
    assert found["measured"] >= at_least, f"{page.url}: only {found['measured']} texts measured"


def sign_in_as(page, base_url: str, user) -> None:
    client = Client()
    sign_in_verified(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
    )


def _cases_with_long_values(world) -> None:
    make_report(world.unit("D1-C1"), "0912345678", LONG_URL, money=2_500_000_000)
    make_report(world.unit("D1-C2"), "http://vcb-xac-thuc.com/dang-nhap", money=3_000_000)
    make_report(world.unit("D2-C1"), "lua-dao-qua-tin-nhan-ngan-hang-gia-mao.vn", "0987654321")
    report = make_report(world.unit("D1-C1"), LONG_URL + "&lan=2")
    case = report.cases.get()
    propose_listing(
        case=case,
        verifier=world.person("verifier_d1"),
        category="phishing",
        risk="high",
        public_reason="Giả mạo trang đăng nhập ngân hàng.",
        levels={case.indicators.get().pk: "url"},
    )
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    file_appeal(
        kind="url",
        value=LONG_URL + "&lan=2",
        owner_name="Công ty TNHH Thật",
        owner_contact="lienhe@that.vn",
        explanation="Trang của chúng tôi.",
        files=[],
    )


def test_verifiers_pages_read_well_on_a_phone(live_server, page, console_errors, audit_flushable):
    world = build_world()
    _cases_with_long_values(world)
    sign_in_as(page, live_server.url, world.person("verifier_province"))
    page.goto(live_server.url + "/staff/reports/?status=all")
    queue = page.get_by_test_id("queue").inner_text()
    assert "2.500.000.000" in queue and "xac-thuc-tai-khoan" in queue
    assert_reads_well(page, at_least=20)
    cases = page.get_by_test_id("queue").get_by_role("link")
    for href in [cases.nth(n).get_attribute("href") for n in range(cases.count())]:
        page.goto(live_server.url + href)  # open, merged and listed cases
        assert_reads_well(page)
    page.goto(live_server.url + "/staff/reports/appeals/")
    assert "Công ty" not in page.get_by_test_id("appeals").inner_text()  # no personal data
    assert "xac-thuc-tai-khoan" in page.get_by_test_id("appeals").inner_text()
    assert_reads_well(page)
    page.goto(live_server.url + "/staff/reports/import/")
    page.get_by_label("Hoặc dán vào đây").fill(f"{LONG_URL}\nlua-dao-mot.vn\n0912 345 678\n")
    page.get_by_label("Nguồn").fill("Danh sách thử")
    page.get_by_role("button", name="Thực hiện").click()
    page.get_by_test_id("import-result").wait_for()
    assert_reads_well(page)
    assert console_errors == []


def test_training_progress_reads_well_on_a_phone(live_server, page, console_errors):
    world = build_world()
    lesson = make_lesson()
    make_assignment(world, lessons=[lesson], title="Khoá nhận diện lừa đảo qua tin nhắn")
    late = make_assignment(world, unit="D1-C1", lessons=[lesson], title="Khoá đã quá hạn")
    type(late).objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(days=1))
    sign_in_as(page, live_server.url, world.person("manager_d1"))
    for path in ("/staff/training/manage/", "/staff/training/progress/"):
        page.goto(live_server.url + path)
        assert_reads_well(page, at_least=3)
    assert "Xã Một Một" in page.get_by_test_id("unit-progress").inner_text()
    assert console_errors == []


def test_admins_pages_read_well_on_a_phone(live_server, page, console_errors):
    world = build_world()
    PartnerKey.issue(name="Nhà mạng A — máy chủ DNS phân giải", unit=world.unit("P"))
    revoked, _raw = PartnerKey.issue(name="CERT", unit=world.unit("D1"), rate_per_minute=60)
    PartnerKey.objects.filter(pk=revoked.pk).update(revoked_at=revoked.created_at)
    for _ in range(settings.SIGNIN_ACCOUNT_FAILURE_LIMIT):
        lockout.record_failure(username="staff_d1_c1")
    sign_in_as(page, live_server.url, world.person("admin"))
    page.goto(live_server.url + "/staff/")
    assert_reads_well(page)
    page.goto(live_server.url + "/staff/partner-keys/")
    assert "Nhà mạng A" in page.get_by_test_id("partner-keys").inner_text()
    assert_reads_well(page)
    page.get_by_label("Tên đối tác").fill("Trình duyệt B")
    page.get_by_label("Đơn vị quản lý khoá").fill("Huyện Một")
    page.get_by_label("Giới hạn yêu cầu mỗi phút").fill("120")
    page.get_by_role("button", name="Cấp khoá").click()
    raw = page.get_by_test_id("raw-key").inner_text()
    issued = PartnerKey.objects.find_active(raw)
    assert issued is not None
    assert (issued.name, issued.unit.code, issued.rate_per_minute) == ("Trình duyệt B", "D1", 120)
    assert_reads_well(page, at_least=3)
    page.goto(live_server.url + "/staff/locked-accounts/")
    assert "staff_d1_c1" in page.get_by_test_id("locked-accounts").inner_text()
    assert_reads_well(page, at_least=3)
    page.get_by_role("button", name="Mở khoá tài khoản staff_d1_c1").click()
    assert "Đã mở khoá tài khoản staff_d1_c1" in page.locator(".messages").inner_text()
    assert page.request.get(live_server.url + "/favicon.ico").headers["content-type"] in (
        "image/x-icon",
        "image/vnd.microsoft.icon",
    )
    assert console_errors == []
