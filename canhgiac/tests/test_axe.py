"""Accessibility kept automatically: axe-core (axe-playwright-python ships it) finds no violation
of WCAG 2.1 A/AA or of its best-practice rules on every public page and every staff page type,
at 360 and 1280 px, in a real Chromium; and what axe cannot see is checked here too: the focus
ring's contrast, the focus after a refused send, and the focus while an answer loads.

The pages (states) checked, each at both widths:
  public: home, link check (empty, with an answer), message check (empty, with an answer),
  report form (empty, refused), receipt, tracking (empty, a report, not found), appeal form
  (empty, refused), self-learning index, a lesson, a quiz, a quiz asking about blanks, a quiz
  result, certificate verification (valid, unknown), staff sign-in (empty, refused), 404;
  staff: every staff page without parameters (found from the URL configuration: home, TOTP
  set-up, units, unit import, partner keys, locked accounts, report queue, appeals, import,
  detection model card, my training, training management, new assignment, progress) and each
  page type with parameters (a unit, a case, an appeal, an assignment, a lesson in it, an
  attempt, an attempt's result). The Django admin is Django's own and is not checked here.
"""

import re
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (360, 1280)
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
# Staff routes without parameters that are no page: downloads, posts, the sign-in steps.
NOT_PAGES = re.compile(r"(\.csv|\.xlsx|\.json|\.pdf|logout/|login/|otp/|unlock/|revoke/)$")
TIMES: dict[str, float] = {}
EXPECTED_STATUS = re.compile(r"Failed to load resource: .* status of 40[04] ")

CSS = Path(settings.BASE_DIR) / "canhgiac" / "static" / "canhgiac" / "site.css"


@pytest.fixture(scope="module")
def axe():
    return Axe()


def violations(page, axe, label: str) -> list[str]:
    """axe-core's violations on the page as it is, at each width (injected once per page)."""
    found = []
    started = time.monotonic()
    page.evaluate(axe.axe_script)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        assert len(result["passes"]) + len(result["violations"]) > 20, label  # axe did run
        for rule in result["violations"]:
            targets = [node["target"] for node in rule["nodes"]][:3]
            found.append(f"{label} at {width}px: {rule['id']} ({rule['help']}) {targets}")
    TIMES[label] = time.monotonic() - started
    return found


def visit(page, axe, base: str, states: dict[str, str]) -> list[str]:
    found = []
    for label, path in states.items():
        page.goto(base + path)
        found += violations(page, axe, label)
    return found


def staff_cookie(page, base: str, client: Client) -> None:
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base}])


def staff_routes_without_parameters() -> list[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return sorted(
        "/" + route
        for route in walk(get_resolver().url_patterns)
        if route.startswith("staff/") and "<" not in route and not NOT_PAGES.search(route)
    )


def public_world():
    from orgs.testing import build_world
    from reports.tests.factories import make_report
    from training.models import Certificate
    from training.services import issue_certificate
    from training.tests.factories import make_assignment, make_lesson, make_quiz

    world = build_world()
    report = make_report(world.unit("D1-C1"), "0912 345 678")
    lesson = make_lesson("bai-cong-khai", title="Bài cho mọi người")
    quiz = make_quiz("tu-kiem-tra", public=True)
    course = make_assignment(world, lessons=[lesson])
    certificate = issue_certificate(user=world.person("staff_d1_c1"), assignment=course)
    assert Certificate.objects.count() == 1
    return world, report, lesson, quiz, certificate


def test_public_pages_have_no_axe_violations(live_server, page, axe, console_errors):
    _world, report, lesson, quiz, certificate = public_world()
    base = live_server.url
    found = visit(
        page,
        axe,
        base,
        {
            "home": "/",
            "link check": "/kiem-tra/",
            "link check answered": "/kiem-tra/?q=0912+345+678",
            "message check": "/kiem-tra-tin-nhan/",
            "report form": "/to-giac/",
            "tracking": "/to-giac/theo-doi/",
            "tracking a report": f"/to-giac/theo-doi/{report.tracking_code}/",
            "tracking not found": "/to-giac/theo-doi/AAAABBBBCCCC/",
            "appeal form": "/khieu-nai/",
            "learn index": "/hoc/",
            "lesson": f"/hoc/{lesson.slug}/",
            "quiz": f"/hoc/kiem-tra/{quiz.slug}/",
            "certificate": f"/certificates/{certificate.code}/",
            "certificate unknown": "/certificates/AAAABBBBCCCC/",
            "sign-in": "/staff/login/",
            "not found": "/khong-co-trang-nay/",
        },
    )
    # States reached by sending forms, as people do.
    page.goto(base + "/to-giac/")
    page.get_by_role("button", name="Gửi tố giác").click()
    page.wait_for_selector("#error-summary")
    found += violations(page, axe, "report form refused")
    page.get_by_label("Bạn bị lừa hoặc bị mời chào qua đâu?").select_option("sms")
    page.get_by_label("Hình thức lừa đảo").select_option("fake_bank_sms")
    page.get_by_label("Chuyện gì đã xảy ra?").fill("Tin nhắn giả ngân hàng, gọi 0912 345 678.")
    page.get_by_role("button", name="Gửi tố giác").click()
    page.wait_for_selector("[data-testid=tracking-code]")
    found += violations(page, axe, "receipt")
    page.goto(base + "/khieu-nai/")
    page.get_by_role("button", name="Gửi khiếu nại").click()
    page.wait_for_selector("#error-summary")
    found += violations(page, axe, "appeal form refused")
    page.goto(base + "/kiem-tra-tin-nhan/")
    page.locator("textarea").first.fill(
        "VCB: tai khoan bi khoa, xac thuc tai http://vcb-xac-thuc.com"
    )
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    page.wait_for_selector("#result h2")
    found += violations(page, axe, "message check answered")
    page.goto(base + f"/hoc/kiem-tra/{quiz.slug}/")
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_selector("[data-testid=blanks]")
    found += violations(page, axe, "quiz asking about blanks")
    page.get_by_role("button", name="Nộp luôn").click()
    page.wait_for_url("**/hoc/kiem-tra/**")
    page.wait_for_selector("[data-testid=result]")
    found += violations(page, axe, "quiz result")
    page.goto(base + "/staff/login/")
    page.get_by_label("Tên đăng nhập").fill("khong-co")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("#error-summary")
    found += violations(page, axe, "sign-in refused")
    assert found == []
    # The 404 and 400 states are meant: the browser notes their status, nothing else.
    assert [e for e in console_errors if not EXPECTED_STATUS.match(e)] == []


def test_staff_pages_have_no_axe_violations(
    live_server, page, axe, console_errors, audit_flushable
):
    from orgs.testing import build_world, sign_in_verified
    from reports.models import Appeal
    from reports.tests.factories import make_report
    from reports.workflow import confirm_listing, file_appeal, propose_listing
    from training.models import Attempt
    from training.services import start_attempt
    from training.tests.factories import answers_for, make_assignment, make_lesson, make_quiz

    world = build_world()
    report = make_report(world.unit("D1-C1"), "http://shop-that.vn/")
    case = report.cases.get()
    propose_listing(
        case=case,
        verifier=world.person("verifier_d1"),
        category="scam",
        risk="medium",
        public_reason="Bán hàng không giao.",
        levels={case.indicators.get().pk: "url"},
    )
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    other = make_report(world.unit("D1-C1"), "0912 345 678").cases.get()  # an open case
    appeal = file_appeal(
        kind="url",
        value="http://shop-that.vn/",
        owner_name="Công ty TNHH Shop Thật",
        owner_contact="lienhe@shop-that.vn",
        explanation="Chúng tôi là chủ trang.",
        files=[],
    )
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    admin = world.person("admin")
    lesson = make_lesson()
    course = make_assignment(world, unit="P", by="admin", lessons=[lesson], quiz=make_quiz())
    open_attempt = start_attempt(user=admin, assignment=course)
    done = start_attempt(user=world.person("staff_d1_c1"), assignment=course)
    client = Client()
    client.force_login(world.person("staff_d1_c1"))
    client.post(f"/staff/training/attempts/{done.token}/", answers_for(done.question_ids))
    assert Attempt.objects.get(pk=done.pk).status != "open"

    base = live_server.url
    client = Client()
    sign_in_verified(client, admin)
    staff_cookie(page, base, client)
    # A POST-only address (an upload, a button's target) is not a page: it answers GET with 405.
    states = {
        f"staff {path}": path
        for path in staff_routes_without_parameters()
        if client.get(path).status_code != 405
    }
    assert len(states) >= 12, states
    states |= {
        "unit": reverse("unit-detail", args=["D1"]),
        "case listed": reverse("reports:case", args=[case.pk]),
        "case open": reverse("reports:case", args=[other.pk]),
        "appeal": reverse("reports:appeal", args=[appeal.pk]),
        "assignment": reverse("training-assignment", args=[course.pk]),
        "assignment lesson": reverse("training-lesson", args=[course.pk, lesson.slug]),
        "attempt": reverse("training-attempt", args=[open_attempt.token]),
    }
    found = visit(page, axe, base, states)
    # The learner's own result page, as that learner.
    learner = Client()
    learner.force_login(world.person("staff_d1_c1"))
    page.context.clear_cookies()
    staff_cookie(page, base, learner)
    found += visit(
        page, axe, base, {"attempt result": reverse("training-attempt-result", args=[done.token])}
    )
    assert found == []
    assert console_errors == []


# --- what axe cannot see ------------------------------------------------------------------------


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def css_colour(name: str) -> str:
    found = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})\s*;", CSS.read_text())
    assert found is not None, name
    return found[1]


def test_the_focus_ring_stands_out_from_what_is_behind_it():
    assert round(contrast("#ffbf47", "#ffffff"), 2) == 1.64  # the check itself: the old ring
    assert contrast(css_colour("focus"), "#ffffff") >= 3
    assert contrast(css_colour("focus"), css_colour("bg-soft")) >= 3
    # The header is blue: there the ring takes its own colour.
    assert (
        ".site-header :focus-visible { outline-color: var(--focus-on-brand); }" in CSS.read_text()
    )
    assert contrast(css_colour("focus-on-brand"), css_colour("brand")) >= 3


def test_buttons_and_fields_use_the_page_font(live_server, page):
    page.goto(live_server.url + "/to-giac/")
    fonts = page.evaluate(
        """() => [...document.querySelectorAll('main button, main input, main select, main textarea')]
             .map(e => getComputedStyle(e).fontFamily)"""
    )
    body = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert fonts and set(fonts) == {body}


def test_focus_moves_to_the_error_summary_and_its_links_reach_the_fields(
    live_server, page, console_errors
):
    from orgs.testing import build_world

    build_world()
    page.goto(live_server.url + "/to-giac/")
    page.get_by_label("Chuyện gì đã xảy ra?").fill("Có người gọi giả danh công an.")
    page.get_by_role("button", name="Gửi tố giác").click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = page.locator("#error-summary a")
    assert links.count() == 2  # the channel and the kind of scam
    for index in range(links.count()):
        target = links.nth(index).get_attribute("href").lstrip("#")
        links.nth(index).click()
        assert page.evaluate("document.activeElement.id") == target
    assert [e for e in console_errors if not EXPECTED_STATUS.match(e)] == [], console_errors


def test_focus_never_drops_to_the_body_while_an_answer_loads(live_server, page, console_errors):
    page.goto(live_server.url + "/kiem-tra/")
    page.get_by_label("Nội dung cần tra cứu").fill("0912 345 678")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 800, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    button = page.get_by_role("button", name="Tra cứu", exact=True)
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("form.htmx-request")  # the answer is on its way
    loading = page.evaluate(
        "[document.activeElement.tagName, document.activeElement.id, "
        "document.querySelector('form[hx-post] button').disabled]"
    )
    assert loading[2] is True  # hx-disabled-elt did disable the button ...
    assert loading[0] != "BODY" and loading[1] == "result"  # ... and the focus went to the answer
    page.wait_for_selector("#result [data-testid=verdict]")
    page.wait_for_function("() => document.activeElement.tagName === 'H2'")  # lookup/result.js
    assert console_errors == []
