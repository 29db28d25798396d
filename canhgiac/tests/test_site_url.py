"""Every absolute link that leaves the site (feeds, mails, certificates and their QR codes,
xAPI statements) is on CANHGIAC_SITE_URL, whatever Host the request that built it came with:
behind nginx that Host would be 127.0.0.1:8000, and a Host header is the sender's to write."""

import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.test.signals import template_rendered
from django.urls import reverse

from lib.links import absolute_url
from orgs.models import PartnerKey
from training.certificates import qr_data_uri
from training.services import issue_certificate, mark_lesson_read
from training.tasks import send_deadline_reminders
from training.tests.factories import make_assignment, make_lesson

pytestmark = pytest.mark.django_db

SITE = "https://canhgiac.example.gov.vn"
# What a proxy in front would pass on as Host if nginx did not set it (or the client did).
PROXY_HOST = "127.0.0.1:8000"


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["*"]
    return SITE


def test_absolute_url_joins_the_site_url_and_a_path(settings):
    settings.SITE_URL = SITE + "/"
    assert absolute_url("/certificates/ABC/") == SITE + "/certificates/ABC/"
    assert absolute_url("feeds/rpz.zone") == SITE + "/feeds/rpz.zone"


def test_feeds_name_the_site_url(client, world, site):
    from lookup.tests.helpers import build_list

    build_list()
    _key, raw = PartnerKey.issue(name="Nhà mạng thử", unit=world.unit("P"), rate_per_minute=100)
    response = client.get("/feeds/hosts.txt", headers={"X-Api-Key": raw}, HTTP_HOST=PROXY_HOST)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert "Canh Giac list version" in text and SITE in text
    assert PROXY_HOST not in text


def test_reminder_mails_link_to_the_site_url(world, site, smtp_server, immediate_tasks):
    for user in get_user_model().objects.all():
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
    course = make_assignment(world, lessons=[make_lesson()], days=2, title="Khoá sắp hết hạn")
    send_deadline_reminders.enqueue(within_days=3)
    assert smtp_server, "no reminder was sent"
    body = smtp_server[0].get_content()
    assert f"{SITE}/staff/training/assignments/{course.pk}/" in body


@pytest.fixture
def certificate(world):
    person = world.person("staff_d1_c1")
    course = make_assignment(world, lessons=[make_lesson()], title="Phòng chống lừa đảo")
    return person, issue_certificate(user=person, assignment=course)


def test_certificate_link_and_qr_code_carry_the_site_url(client, certificate, site):
    person, cert = certificate
    rendered = []

    def seen(sender, template, context, **kwargs):
        if template.name == "training/certificate_pdf.html":
            rendered.append(context)

    template_rendered.connect(seen)
    try:
        client.force_login(person)
        url = reverse("training-certificate-pdf", args=[cert.code])
        response = client.get(url, HTTP_HOST=PROXY_HOST)
    finally:
        template_rendered.disconnect(seen)
    assert response.status_code == 200
    expected = f"{SITE}/certificates/{cert.code}/"
    (context,) = rendered
    assert context["verify_url"] == expected
    # The QR code is the one segno draws for the public address (segno is deterministic).
    assert context["qr"] == qr_data_uri(expected)
    assert context["qr"] != qr_data_uri(f"http://{PROXY_HOST}/certificates/{cert.code}/")
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(
            [pdftotext, "-enc", "UTF-8", "-", "-"],
            input=response.content,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode()
        assert expected in "".join(text.split())


def test_xapi_statements_hang_below_the_site_url(client, world, site):
    lesson = make_lesson()
    make_assignment(world, unit="P", by="admin", lessons=[lesson])
    mark_lesson_read(user=world.person("staff_d2_c1"), lesson=lesson)
    client.force_login(world.person("manager_d2"))
    response = client.get(reverse("training-statements"), HTTP_HOST=PROXY_HOST)
    (statement,) = response.json()
    assert statement["object"]["id"].startswith(SITE + "/")
    assert PROXY_HOST not in response.content.decode()


def test_open_graph_links_name_the_site_url(client, site):
    page = client.get("/", HTTP_HOST=PROXY_HOST).content.decode()
    assert f'<meta property="og:url" content="{SITE}/">' in page
    assert PROXY_HOST not in page
