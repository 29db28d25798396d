"""The detection app rates reported messages, so dangerous cases rise in the queue first."""

import pytest

from reports.models import Case, Channel, ScamType, Source
from reports.submission import ReportInput, submit_report

pytestmark = pytest.mark.django_db

SCAM = (
    "[VCB] Tai khoan cua Quy khach bi tam khoa do nghi ngo gian lan. Xac minh ngay tai "
    "http://vietcombank-xacthuc.com truoc 17h hom nay, neu khong tai khoan se bi phong toa."
)
ORDINARY = "Con oi toi nay ve an com nhe, me nau canh chua. Nho mua giup me it rau thom."


def report(unit, text: str, phone: str):
    return submit_report(
        data=ReportInput(
            channel=Channel.SMS,
            scam_type=ScamType.FAKE_BANK_SMS,
            unit=unit,
            message_text=text,
            indicators=[("phone", phone)],
        ),
        files=[],
        source=Source.FORM,
    )[0]


def test_a_dangerous_message_puts_its_case_first(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        calm = report(world.unit("D1-C1"), ORDINARY, "+84912345678")
    with django_capture_on_commit_callbacks(execute=True):
        scam = report(world.unit("D1-C1"), SCAM, "+84987654321")
    calm_case, scam_case = calm.cases.get(), scam.cases.get()
    assert scam_case.risk_score > calm_case.risk_score
    assert scam_case.risk_score >= 0.5
    assert list(Case.objects.all()[:2]) == [scam_case, calm_case]  # the queue's order


def test_confirmed_scam_messages_become_training_examples(world, immediate_tasks):
    from detection.models import LabelledMessage
    from reports.workflow import confirm_listing, propose_listing

    scam = report(world.unit("D1-C1"), SCAM, "+84987654321")
    case = scam.cases.get()
    propose_listing(
        case=case,
        verifier=world.person("verifier_d1"),
        category="phishing",
        risk="high",
        public_reason="Số điện thoại gửi tin nhắn giả Vietcombank.",
    )
    assert not LabelledMessage.objects.exists()  # a proposal alone teaches nothing
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    labelled = LabelledMessage.objects.get()
    assert labelled.label == 1 and labelled.content == SCAM
    assert labelled.source == f"report:{scam.pk}"
