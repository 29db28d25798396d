"""The audit log is append-only: model, queryset, raw SQL and the admin all refuse changes."""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from orgs.testing import sign_in_verified
from reports.audit import SYSTEM_LABEL, record_event
from reports.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(world):
    return record_event(
        actor=world.person("verifier_d1"),
        action="decided",
        before={"status": "new"},
        after={"status": "cleared"},
        reason="Số của cửa hàng thật.",
    )


def test_event_records_who_when_before_after_why(event, world):
    # Read back as stored, not the object the fixture holds.
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_label == "verifier_d1" and event.at is not None
    assert event.before == {"status": "new"} and event.after == {"status": "cleared"}
    assert event.actor == world.person("verifier_d1") and event.action == "decided"
    assert abs((timezone.now() - event.at).total_seconds()) < 60
    assert record_event(actor=None, action="purged").actor_label == SYSTEM_LABEL


def test_model_refuses_update_and_delete(event):
    event.reason = "sửa lại lịch sử"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get().reason == "Số của cửa hàng thật."


def test_queryset_refuses_update_delete_and_bulk_update(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(reason="x")
    event.reason = "x"
    # bulk_update opens an atomic block without a savepoint: give it one of its own.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["reason"])
    assert AuditEvent.objects.count() == 1


def test_database_refuses_raw_update_and_delete(event):
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET reason = 'x'", f"DELETE FROM {table}"):  # noqa: S608
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().reason == "Số của cửa hàng thật."


def test_admin_shows_the_log_but_cannot_change_or_delete_it(client, event):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "x" * 16)
    sign_in_verified(client, boss)
    base = "/admin/reports/auditevent/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(f"{base}{event.pk}/change/", {"reason": "x"})
    assert response.status_code in (302, 403) or "x" not in response.content.decode()
    assert client.get(f"{base}{event.pk}/change/").status_code == 200  # read-only view
    changelist = client.get(base).content.decode()
    assert 'name="action"' not in changelist  # no bulk delete action
    event.refresh_from_db()
    assert event.reason == "Số của cửa hàng thật."
