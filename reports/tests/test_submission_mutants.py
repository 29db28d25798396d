"""Idempotent submission at its edges (issue 15, points 6 and 7): the mutation run of
bench/mutation.py found that a look-up without its scope went unnoticed. A key counts only
within its scope (one partner, or one content for clients nobody identifies), and only with the
same content; each test names the rule a changed line would break."""

import hashlib
from datetime import date

import pytest

from orgs.models import PartnerKey
from reports.evidence import CleanFile
from reports.models import Report
from reports.submission import (
    IdempotencyConflict,
    ReportInput,
    body_scope,
    idempotent_match,
    report_fingerprint,
    submit_report,
)

pytestmark = pytest.mark.django_db

URL = "/api/reports/"


def data_for(world, *, description: str = "Tin nhắn giả ngân hàng", unit: str = "D1"):
    return ReportInput(
        channel="sms",
        scam_type="other",
        unit=world.unit(unit),
        description=description,
        indicators=[("phone", "+84912345678"), ("phone", "+84912345678"), ("domain", "a.vn")],
    )


def submit(data, *, scope: str = "key:1", key: str = "k-1", files=()):
    return submit_report(
        data=data, files=list(files), source="api", idempotency_scope=scope, idempotency_key=key
    )


def test_the_same_key_in_the_same_scope_with_the_same_content_is_one_report(world):
    first, created = submit(data_for(world))
    again, created_again = submit(data_for(world))
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Report.objects.count() == 1


def test_the_same_key_from_two_partners_is_two_reports(world):
    first, _ = submit(data_for(world), scope="key:1")
    other, created = submit(data_for(world), scope="key:2")
    assert created and other.pk != first.pk
    assert idempotent_match(scope="key:2", key="k-1") == (other.pk, other.idempotency_fingerprint)
    assert idempotent_match(scope="key:3", key="k-1") is None


def test_two_keys_in_one_scope_are_two_reports(world):
    first, _ = submit(data_for(world), key="k-1")
    second, created = submit(data_for(world), key="k-2")
    assert created and second.pk != first.pk
    assert idempotent_match(scope="key:1", key="k-3") is None


def test_without_a_key_every_submission_is_a_new_report_and_keeps_no_scope(world):
    first, _ = submit(data_for(world), key="")
    second, created = submit(data_for(world), key="")
    assert created and first.pk != second.pk
    stored = Report.objects.get(pk=second.pk)
    assert (stored.idempotency_scope, stored.idempotency_key) == ("", "")
    assert stored.idempotency_fingerprint == ""


def test_the_same_key_with_other_content_is_a_conflict_naming_the_first_report(world):
    first, _ = submit(data_for(world))
    with pytest.raises(IdempotencyConflict) as conflict:
        submit(data_for(world, description="Một tố giác khác"))
    assert conflict.value.report.pk == first.pk
    assert str(conflict.value) == first.tracking_code
    assert Report.objects.count() == 1


def test_a_report_stored_before_fingerprints_counts_as_the_same_content(world):
    first, _ = submit(data_for(world))
    Report.objects.filter(pk=first.pk).update(idempotency_fingerprint="")
    again, created = submit(data_for(world, description="Nội dung khác"))
    assert (again.pk, created) == (first.pk, False)


def test_keys_and_scopes_are_cut_to_their_column_lengths(world):
    long_key = "k" * 150
    long_scope = "s" * 120
    first, _ = submit(data_for(world), scope=long_scope, key=long_key)
    stored = Report.objects.get(pk=first.pk)
    assert (stored.idempotency_key, stored.idempotency_scope) == ("k" * 100, "s" * 80)
    again, created = submit(data_for(world), scope="s" * 80, key="k" * 100)
    assert (again.pk, created) == (first.pk, False)


def test_every_field_submitted_is_stored(world):
    data = ReportInput(
        channel="zalo",
        scam_type="job_task",
        unit=world.unit("D2-C1"),
        description="Mô tả",
        message_text="Việc nhẹ lương cao",
        money_lost=5_000_000,
        lost_on=date(2026, 11, 30),
        contact_name="Nguyễn Văn A",
        contact_phone="+84912345678",
        contact_email="a@example.vn",
        consent_to_contact=True,
    )
    report, _ = submit(data, key="")
    stored = Report.objects.get(pk=report.pk)
    assert (stored.message_text, stored.money_lost, stored.lost_on) == (
        "Việc nhẹ lương cao", 5_000_000, date(2026, 11, 30),
    )  # fmt: skip
    assert (stored.contact_name, stored.contact_phone, stored.contact_email) == (
        "Nguyễn Văn A", "+84912345678", "a@example.vn",
    )  # fmt: skip
    assert stored.consent_to_contact is True and stored.indicator_keys == []


def test_a_key_sent_without_a_scope_is_stored_with_an_empty_scope(world):
    report, _ = submit_report(data=data_for(world), files=[], source="api", idempotency_key="k")
    assert Report.objects.get(pk=report.pk).idempotency_scope == ""


def test_the_fingerprint_is_the_sha256_of_the_canonical_json(world):
    # Stored with every keyed report: a retry after an upgrade must still find its report, so
    # the canonical form (sorted keys, no spaces, UTF-8 as is, the unit by id) never changes.
    data = data_for(world)
    canonical = (
        '{"channel":"sms","consent_to_contact":false,"contact_email":"","contact_name":"",'
        '"contact_phone":"","description":"Tin nhắn giả ngân hàng","files":["ab"],'
        '"indicators":[["phone","+84912345678"],["phone","+84912345678"],["domain","a.vn"]],'
        f'"lost_on":null,"message_text":"","money_lost":null,"scam_type":"other","unit":{data.unit.pk}}}'
    )
    png = CleanFile(content=b"png bytes", content_type="image/png", extension="png")
    canonical = canonical.replace('"ab"', f'"{png.sha256}"')
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert report_fingerprint(data=data, files=[png]) == expected


def test_a_stored_report_has_what_was_submitted_and_its_fingerprint(world):
    data = data_for(world)
    report, _ = submit(data)
    stored = Report.objects.get(pk=report.pk)
    assert (stored.channel, stored.scam_type, stored.unit, stored.description) == (
        "sms", "other", world.unit("D1"), "Tin nhắn giả ngân hàng",
    )  # fmt: skip
    assert stored.source == "api" and stored.partner_key_id is None
    # Each indicator once, in the order given.
    assert stored.indicator_keys == [["phone", "+84912345678"], ["domain", "a.vn"]]
    assert stored.idempotency_fingerprint == report_fingerprint(data=data, files=[])
    assert len(stored.tracking_code) >= 10


def test_the_fingerprint_changes_with_the_unit_the_content_and_the_evidence(world):
    base = report_fingerprint(data=data_for(world), files=[])
    assert report_fingerprint(data=data_for(world), files=[]) == base
    assert report_fingerprint(data=data_for(world, unit="D2"), files=[]) != base
    assert report_fingerprint(data=data_for(world, description="khác"), files=[]) != base
    png = CleanFile(content=b"png bytes", content_type="image/png", extension="png")
    other = CleanFile(content=b"other bytes", content_type="image/png", extension="png")
    with_png = report_fingerprint(data=data_for(world), files=[png])
    assert with_png != base
    assert report_fingerprint(data=data_for(world), files=[other]) != with_png
    assert len(base) == 64 and int(base, 16) >= 0


def test_the_scope_of_an_unknown_client_is_its_content(world):
    scope = body_scope("anon", data=data_for(world), files=[])
    assert scope == "anon:" + report_fingerprint(data=data_for(world), files=[])
    assert body_scope("form", data=data_for(world), files=[]) != scope
    assert body_scope("anon", data=data_for(world, description="khác"), files=[]) != scope


# --- through the API: partners and addresses -------------------------------------------------


def body(**extra):
    data = {"channel": "zalo", "scam_type": "job_task", "unit_code": "D2-C1",
            "message_text": "Viec nhe luong cao, lien he Zalo 0912345678"}  # fmt: skip
    data.update(extra)
    return data


def test_two_partners_sending_the_same_key_store_two_reports(client, world):
    _one, raw_one = PartnerKey.issue(name="Bot một", unit=world.unit("P"), rate_per_minute=10)
    _two, raw_two = PartnerKey.issue(name="Bot hai", unit=world.unit("P"), rate_per_minute=10)
    sent = [
        client.post(
            URL,
            body(),
            content_type="application/json",
            HTTP_X_API_KEY=raw,
            HTTP_IDEMPOTENCY_KEY="msg-1",
        )  # fmt: skip
        for raw in (raw_one, raw_two, raw_one)
    ]
    assert [r.status_code for r in sent] == [201, 201, 200]
    codes = [r.json()["tracking_code"] for r in sent]
    assert codes[0] != codes[1] and codes[2] == codes[0]
    assert Report.objects.count() == 2


def test_a_retry_from_another_address_without_a_partner_key_finds_the_first_report(client, world):
    first = client.post(URL, body(idempotency_key="r-1"), content_type="application/json",
                        REMOTE_ADDR="203.0.113.5")  # fmt: skip
    again = client.post(URL, body(idempotency_key="r-1"), content_type="application/json",
                        REMOTE_ADDR="198.51.100.7")  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    other = client.post(URL, body(idempotency_key="r-1", message_text="Khac han 0987654321"),
                        content_type="application/json", REMOTE_ADDR="198.51.100.7")  # fmt: skip
    assert other.status_code == 201  # same key, other content, nobody identified: a new report
    assert Report.objects.count() == 2
