"""Citizens' self-tests without an account. Nothing is stored about the person: the drawn question
set travels in a signed, time-limited token; a random one-time nonce (kept in the cache only until
the time limit passes) stops a replay from being counted twice; results only add to per-day
counters."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict, cast

from django.core import signing
from django.core.cache import cache
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PublicQuizStat, Quiz
from .services import GRACE, Graded, TrainingError, answers_from_post, grade

SALT = "training.selfstudy.v1"


def issue_token(quiz: Quiz) -> tuple[str, list[int]]:
    question_ids = quiz.draw_question_ids()
    payload: TokenPayload = {
        "quiz": quiz.pk,
        "ids": question_ids,
        "nonce": secrets.token_urlsafe(16),
    }
    return signing.dumps(payload, salt=SALT, compress=True), question_ids


def token_deadline(quiz: Quiz, token: str) -> datetime | None:
    """When the time to answer runs out: the token's signing time plus the time limit."""
    try:
        stamp = signing.b62_decode(token.rsplit(":", 2)[1])
    except (IndexError, ValueError):
        return None
    return datetime.fromtimestamp(stamp, tz=UTC) + quiz.time_limit


class TokenPayload(TypedDict):
    """What the signed self-test token carries (no person, no address)."""

    quiz: int
    ids: list[int]
    nonce: str


@dataclass(frozen=True)
class PublicResult:
    graded: Graded
    passed: bool
    question_ids: list[int]
    answers: dict[str, list[int]]


def read_token(quiz: Quiz, token: str) -> TokenPayload:
    """The signed payload, or TrainingError when forged, for another quiz or too old."""
    max_age = quiz.time_limit + GRACE
    try:
        # Signed by issue_token above: the shape is ours.
        payload = cast(TokenPayload, signing.loads(token[:4000], salt=SALT, max_age=max_age))
    except signing.SignatureExpired:
        raise TrainingError(
            _("Đã hết thời gian làm bài. Câu trả lời gửi sau thời hạn không được chấm.")
        ) from None
    except signing.BadSignature:
        raise TrainingError(_("Bài làm không hợp lệ. Hãy làm lại từ đầu.")) from None
    if payload.get("quiz") != quiz.pk:
        raise TrainingError(_("Bài làm không hợp lệ. Hãy làm lại từ đầu."))
    return payload


def submit_public(
    *, quiz: Quiz, token: str, data: QueryDict | Mapping[str, Iterable[str]]
) -> PublicResult:
    """Grade a posted self-test once; a forged, late or replayed post raises TrainingError."""
    payload = read_token(quiz, token)
    answers = answers_from_post(data, payload["ids"])
    graded = grade(payload["ids"], answers)
    timeout = int((quiz.time_limit + GRACE).total_seconds()) + 60
    if not cache.add(f"training:selfstudy:{payload['nonce']}", 1, timeout=timeout):
        raise TrainingError(_("Bài làm này đã được nộp. Hãy làm bài mới nếu muốn thử lại."))
    passed = graded.percent >= quiz.pass_mark
    count_result(quiz=quiz, passed=passed, percent=graded.percent)
    return PublicResult(graded=graded, passed=passed, question_ids=payload["ids"], answers=answers)


def count_result(*, quiz: Quiz, passed: bool, percent: int) -> None:
    day = timezone.localdate()
    PublicQuizStat.objects.get_or_create(quiz=quiz, day=day)
    PublicQuizStat.objects.filter(quiz=quiz, day=day).update(
        attempts=F("attempts") + 1,
        passes=F("passes") + (1 if passed else 0),
        percent_sum=F("percent_sum") + percent,
    )
