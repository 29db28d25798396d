"""The SMTP password of a sending profile is stored encrypted (lib/crypto.py), never shown back
by its form (blank keeps it), decrypted only to log in: here to a real aiosmtpd on loopback that
requires AUTH. Migration 0002 encrypts the clear passwords stored before it."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography.fernet import Fernet
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from drills.forms import SendingProfileForm
from drills.models import CampaignStatus, Recipient, SendingProfile
from drills.sending import send_due
from lib.crypto import CredentialsUnreadable
from orgs.testing import sign_in_verified

from .test_tracking_world import drill_fixture  # noqa: F401 (fixture)

PASSWORD = "Mk-SMTP@dien-tap-2026!"  # smtplib sends AUTH in ASCII only
USERNAME = "dien-tap@thu-dien-tap.example"


def _columns(profile: SendingProfile) -> list[str]:
    """Every column of the profile's row, as the database holds it."""
    table = SendingProfile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [profile.pk])  # noqa: S608 (model name)
        return [str(value) for value in cursor.fetchone()]


def _form_data(profile: SendingProfile, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": profile.name, "unit": profile.unit_id, "smtp_host": profile.smtp_host,
        "smtp_port": profile.smtp_port, "smtp_username": USERNAME, "smtp_password": "",
        "sender_domain": profile.sender_domain,
    }  # fmt: skip
    data.update(changes)
    return data


def test_the_database_holds_no_clear_password(drill):
    profile = drill.sending_profile
    form = SendingProfileForm(_form_data(profile, smtp_password=PASSWORD), instance=profile)
    assert form.is_valid(), form.errors
    form.save()
    row = _columns(profile)
    assert not any(PASSWORD in value for value in row)
    profile.refresh_from_db()
    assert profile.smtp_password_encrypted in row
    assert profile.smtp_password() == PASSWORD


def test_a_blank_field_keeps_the_password_and_the_form_never_shows_it(drill):
    profile = drill.sending_profile
    profile.set_smtp_password(PASSWORD)
    profile.save()
    stored = profile.smtp_password_encrypted
    form = SendingProfileForm(_form_data(profile, name="Đổi tên"), instance=profile)
    assert form.is_valid(), form.errors
    form.save()
    profile.refresh_from_db()
    assert profile.name == "Đổi tên" and profile.smtp_password() == PASSWORD
    html = SendingProfileForm(instance=profile).as_p()
    assert PASSWORD not in html and stored not in html
    accented = SendingProfileForm(_form_data(profile, smtp_password="mật-khẩu"), instance=profile)
    assert not accented.is_valid() and "smtp_password" in accented.errors
    # A typed one replaces it; the box to clear it clears it.
    SendingProfileForm(_form_data(profile, smtp_password="moi-123"), instance=profile).save()
    profile.refresh_from_db()
    assert profile.smtp_password() == "moi-123"
    SendingProfileForm(_form_data(profile, clear_smtp_password="on"), instance=profile).save()
    profile.refresh_from_db()
    assert not profile.has_smtp_password and profile.smtp_password() == ""


def test_the_admin_page_keeps_the_password_when_left_blank(client, world, drill):
    admin = world.person("admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    sign_in_verified(client, admin)
    profile = drill.sending_profile
    profile.set_smtp_password(PASSWORD)
    profile.save()
    url = reverse("admin:drills_sendingprofile_change", args=[profile.pk])
    page = client.get(url).content.decode()
    assert 'name="smtp_password"' in page
    assert PASSWORD not in page and profile.smtp_password_encrypted not in page
    data = _form_data(profile, name="Hộp thư diễn tập mới", use_tls="")
    assert client.post(url, {k: v for k, v in data.items() if v != ""}).status_code == 302
    profile.refresh_from_db()
    assert profile.name == "Hộp thư diễn tập mới" and profile.smtp_password() == PASSWORD


class _AuthSink:
    """aiosmtpd on loopback that refuses mail before AUTH; notes the logins it accepted."""

    def __init__(self) -> None:
        self.logins: list[tuple[str, str]] = []
        self.received: list[bytes] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USERNAME, PASSWORD)
        if ok:
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(envelope.content)
        return "250 OK"


@pytest.fixture
def auth_smtp():
    sink = _AuthSink()
    with socket.socket() as probe:  # aiosmtpd checks itself on a real port, not 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, authenticator=sink.authenticate,
        auth_required=True, auth_require_tls=False,  # loopback only, no certificate here
    )  # fmt: skip
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _due(world, drill) -> Recipient:
    person = world.person("staff_d1_c1")
    return Recipient.objects.create(
        campaign=drill, person=person, email=person.email, due_at=timezone.now()
    )


def _point_at(drill, port: int, password: str) -> None:
    profile = drill.sending_profile
    profile.smtp_port, profile.smtp_username = port, USERNAME
    profile.set_smtp_password(password)
    profile.save()
    drill.status = CampaignStatus.SENDING
    drill.save()


def test_sending_logs_in_with_the_decrypted_password(world, drill, auth_smtp, settings):
    sink, port = auth_smtp
    settings.DRILLS_SMTP_CONNECTIONS = 1
    _point_at(drill, port, PASSWORD)
    recipient = _due(world, drill)
    assert send_due() == 1
    assert sink.logins == [(USERNAME, PASSWORD)] and len(sink.received) == 1
    recipient.refresh_from_db()
    assert recipient.sent_at is not None and not recipient.send_error


def test_a_wrong_password_is_refused_and_nothing_is_sent(world, drill, auth_smtp, settings):
    sink, port = auth_smtp
    settings.DRILLS_SMTP_CONNECTIONS = 1
    # After the refused login the exchange with aiosmtpd stalls until the client's timeout
    # (DRILLS_SMTP_TIMEOUT, 20 s by default): the refusal is the same with a short one.
    settings.DRILLS_SMTP_TIMEOUT = 2
    _point_at(drill, port, "sai-mat-khau")
    recipient = _due(world, drill)
    assert send_due() == 0
    assert sink.logins == [] and sink.received == []
    recipient.refresh_from_db()
    assert recipient.sent_at is None and recipient.send_error


def test_a_lost_key_makes_the_password_unreadable(drill, settings):
    settings.CANHGIAC_CREDENTIALS_KEY = Fernet.generate_key().decode()
    profile = drill.sending_profile
    profile.set_smtp_password(PASSWORD)
    profile.save()
    settings.CANHGIAC_CREDENTIALS_KEY = Fernet.generate_key().decode()
    with pytest.raises(CredentialsUnreadable):
        SendingProfile.objects.get(pk=profile.pk).smtp_password()


@pytest.mark.django_db(transaction=True)
def test_migration_0002_encrypts_the_clear_passwords_stored_before(world):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("drills", "0001_initial")])
    try:
        old = executor.loader.project_state([("drills", "0001_initial")]).apps
        OldProfile = old.get_model("drills", "SendingProfile")
        created = OldProfile.objects.create(
            name="Cũ", unit_id=world.unit("P").pk, sender_domain="cu.example",
            smtp_password=PASSWORD,
        )  # fmt: skip
        blank = OldProfile.objects.create(name="Trống", unit_id=world.unit("P").pk)
        executor = MigrationExecutor(connection)
        executor.migrate([("drills", "0002_sending_password_encrypted")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    profile = SendingProfile.objects.get(pk=created.pk)
    assert not any(PASSWORD in value for value in _columns(profile))
    assert profile.smtp_password() == PASSWORD
    assert not SendingProfile.objects.get(pk=blank.pk).has_smtp_password
