"""The texts of the tipline's answers: short enough for a chat, and saying the right thing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import include, path

from detection.analysis import Analysis
from detection.results import Reason
from lookup.verdicts import check_value
from tipline import answers
from tipline.tests.chat_world import matcher_fixture  # noqa: F401 (fixture fresh_matcher)

pytestmark = pytest.mark.django_db


def _reason(n: int, length: int = 50) -> Reason:
    return Reason(f"Lý do số {n} " + "rất dài " * (length // 8), 1.0, "rule", f"r{n}")


def test_an_analysis_answer_shows_three_reasons_two_lines_of_advice_and_stays_short() -> None:
    analysis = Analysis(
        text="…",
        risk="high",
        reasons=[_reason(n, length=2000) for n in range(1, 8)],
        advice=[f"Lời khuyên {n} " + "x" * 900 for n in range(1, 5)],
    )
    reply = answers.analysis_answer(analysis)
    assert len(reply.text) <= answers.MAX_ANSWER < 2000
    assert "Lý do số 3" in reply.text and "Lý do số 4" not in reply.text
    assert "Lời khuyên 2" in reply.text and "Lời khuyên 3" not in reply.text
    assert reply.text.endswith("“Hỏi cán bộ” để nhờ cán bộ xem giúp.")  # nothing cut off
    assert [q.payload for q in reply.quick_replies] == ["#to_giac", "#hoi_can_bo", "#huong_dan"]


@pytest.mark.parametrize(
    ("risk", "words"),
    [("high", "RỦI RO CAO"), ("medium", "RỦI RO TRUNG BÌNH"), ("low", "RỦI RO THẤP")],
)
def test_the_risk_is_said_in_words(risk: str, words: str) -> None:
    reply = answers.analysis_answer(Analysis(text="…", risk=risk, reasons=[_reason(1)]))  # type: ignore[arg-type]  # the Literal is checked by the parameters
    assert reply.text.startswith(words)


@pytest.mark.parametrize(
    "raw",
    [
        "vietcombank-xacthuc.com/login",
        "vietcombank.com.vn",
        "1900 545413",
        "0987654321",
        "hotro@gmail.com",
        "https://example.org/" + "a" * 1900,
    ],
)
def test_a_single_check_answer_is_short_and_never_says_safe(fresh_matcher: None, raw: str) -> None:
    reply = answers.check_answer(check_value(raw))
    assert reply.text and len(reply.text) <= answers.MAX_ANSWER
    assert "an toàn" not in reply.text.lower()


def test_an_official_site_names_its_brand(fresh_matcher: None) -> None:
    reply = answers.check_answer(check_value("vietcombank.com.vn"))
    assert reply.text.startswith("Trang chính thức") and "Vietcombank" in reply.text


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("listed", "đã được xác minh và đưa vào danh sách cảnh báo"),
        ("cleared", "đã được xác minh: chưa thấy dấu hiệu lừa đảo"),
        ("insufficient_evidence", "chưa đủ bằng chứng để cảnh báo"),
        ("closed", "đã được xử lý xong"),
    ],
)
def test_an_outcome_is_told_in_plain_words_with_the_tracking_code(status: str, words: str) -> None:
    text = answers.outcome_text(status, "ABCD2345EFGH")
    assert words in text
    assert "ABCD2345EFGH" in text and "/to-giac/theo-doi/ABCD2345EFGH/" in text
    assert "dừng" in text


def test_fit_cuts_at_a_line_break_near_the_end() -> None:
    text = "a" * 900 + "\n" + "b" * 900
    cut = answers.fit(text, 1000)
    assert cut == "a" * 900 + "…"
    assert answers.fit("ngắn", 1000) == "ngắn"


# A site that serves the project under a prefix: the links follow its URLconf.
urlpatterns = [path("tinh/", include("reports.urls"))]


def test_the_tracking_link_is_the_tracking_pages_own_address(settings: Any) -> None:
    settings.SITE_URL = "https://canhgiac.example.gov.vn/"
    settings.ROOT_URLCONF = __name__
    assert answers.tracking_url("AB12CD") == (
        "https://canhgiac.example.gov.vn/tinh/to-giac/theo-doi/AB12CD/"
    )
