"""One report end to end: a citizen's SMS on the public form, two verifiers listing it under four
eyes at the default level on the case page, the RPZ feed, and Debian's Unbound answering
NXDOMAIN for the site and the names under it.

Unbound is set up as in test_unbound.py (no Internet: local auth-zones stand for what the
resolver would find upstream, so every name resolves until the RPZ says otherwise), on a port of
the 19300-19399 range.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from indicators.models import Indicator
from orgs.testing import sign_in_verified
from reports.models import Report

from .test_unbound import (
    NOERROR,
    NXDOMAIN,
    UNBOUND,
    free_udp_port,
    query,
    running_unbound,
    wait_for,
    write_upstream,
)

pytestmark = [pytest.mark.django_db, pytest.mark.real_service]

PORTS = range(19300, 19400)
BARE_HOST = "vietcombank-xacthuc.com"  # written without a scheme in the SMS
HOME_LINK = "vcb.secure-login.xyz"  # written as https://vcb.secure-login.xyz
SMS = (
    "Vietcombank: Tai khoan cua quy khach se bi khoa trong 24h. Xac thuc ngay tai "
    f"{BARE_HOST} hoac https://{HOME_LINK} de tiep tuc su dung."
)


def citizen_reports(client, world) -> Report:
    data = {
        "channel": "sms",
        "scam_type": "fake_bank_sms",
        "description": "Tôi nhận được tin nhắn này, chưa bấm vào.",
        "message_text": SMS,
        "indicators": "",  # left empty: taken from the message
        "money_lost": "",
        "lost_on": "",
        "unit": world.unit("D1-C1").code,
        "submission_id": "e2e-rpz-1",
        "website": "",
    }
    response = client.post(reverse("reports:form"), data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return Report.objects.get()


def propose_at_the_default_level(client, case) -> None:
    """Post the proposal form as a browser would: with the level radios left as the page
    checked them."""
    page = client.get(reverse("reports:case", args=[case.pk])).content.decode()
    levels = dict(re.findall(r'name="(level-\d+)" value="(\w+)"[^>]*checked', page))
    assert levels, "the page offers a level for the home-page link"
    form = {
        "category": "phishing",
        "risk": "high",
        "public_reason": "Trang giả mạo Vietcombank để lấy mật khẩu và mã OTP.",
        "expires_at": "",
        **levels,
    }
    response = client.post(reverse("reports:case-action", args=[case.pk, "propose"]), form)
    assert response.status_code == 302


def upstreams(folder: Path) -> dict[str, Path]:
    """What the resolver would find on the Internet for every name the test asks about."""
    com = write_upstream(folder, "com", [BARE_HOST, f"www.{BARE_HOST}", "binh-thuong.com"])
    xyz = write_upstream(
        folder, "xyz", [HOME_LINK, f"a.{HOME_LINK}", "secure-login.xyz", "cua-hang.xyz"]
    )
    return {"com": com, "xyz": xyz}


def test_a_reported_sms_listed_under_four_eyes_reaches_unbound(
    client, world, partner, immediate_tasks, tmp_path
):
    if not UNBOUND.exists():
        pytest.skip("Unbound is not installed: apt-get install unbound")
    report = citizen_reports(client, world)
    assert set(report.indicators.values_list("kind", "value")) == {
        ("domain", BARE_HOST),
        ("url", f"https://{HOME_LINK}/"),
    }
    case = report.cases.get()

    sign_in_verified(client, world.person("verifier_d1"))
    propose_at_the_default_level(client, case)
    assert not Indicator.objects.listed().exists()  # one pair of eyes lists nothing
    sign_in_verified(client, world.person("verifier_province"))
    proposal = case.proposals.get()
    response = client.post(
        reverse("reports:case-action", args=[case.pk, "confirm"]), {"proposal": proposal.pk}
    )
    assert response.status_code == 302
    assert set(Indicator.objects.listed().values_list("kind", "value")) == {
        ("domain", BARE_HOST),
        ("url", f"https://{HOME_LINK}/"),
        ("domain", HOME_LINK),  # the default for a home-page link: the whole domain
    }

    client.logout()
    response = client.get("/feeds/rpz.zone", headers={"X-Api-Key": partner})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    for name in (BARE_HOST, HOME_LINK):
        assert f"\n{name} CNAME .\n*.{name} CNAME .\n" in text
    zone = tmp_path / "canhgiac.rpz"
    zone.write_text(text)

    port = free_udp_port()
    with running_unbound(tmp_path, port, zone, upstreams(tmp_path)) as server:
        unlisted = wait_for(server, port, "binh-thuong.com")
        assert unlisted == (NOERROR, 1)  # an unlisted name resolves
        assert query(port, BARE_HOST)[0] == NXDOMAIN
        assert query(port, f"www.{BARE_HOST}")[0] == NXDOMAIN
        assert query(port, HOME_LINK)[0] == NXDOMAIN
        assert query(port, f"a.{HOME_LINK}")[0] == NXDOMAIN
        # The exact host was listed, not the registrable domain: its parent still resolves.
        assert query(port, "secure-login.xyz") == (NOERROR, 1)
        assert query(port, "cua-hang.xyz") == (NOERROR, 1)
