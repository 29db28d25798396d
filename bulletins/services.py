"""Writes of the bulletins app: drafting, the four-eyes review, publishing, corrections.

Rules (the contract the pages and the other parts of the app rely on):
- An editor (Permission.PUBLISH_BULLETINS) writes a bulletin for a unit they hold the
  permission on; another editor holding it on that unit (the unit itself or one above it)
  approves. Nobody approves their own revision (also a database constraint).
- A bulletin has revisions; at most one is unpublished (draft or in review) at a time. The
  first published revision is the publication; a later one is a correction and must say what
  it corrects (`correction_note`, shown on the page).
- Publishing a revision writes its outbox rows (bulletins.outbox.enqueue_deliveries) in the
  same transaction: a correction goes again to every channel, as the first publication did.
- A draft started from a case takes only what is already public about it: the public reason of
  its confirmed listing, its scam type and its listed indicators. Never a report's text or a
  reporter's or victim's contact fields.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from indicators.models import Indicator, Status
from orgs.access import can_act
from orgs.models import Permission, Unit
from reports.models import Case, ListingProposal, ProposalAction, ProposalStatus, ScamType

from . import markdown
from .images import reencode
from .models import Bulletin, BulletinStatus, Image, Kind, Revision, RevisionState, Source

if TYPE_CHECKING:
    from orgs.models import User

PUBLISH = Permission.PUBLISH_BULLETINS


class BulletinError(ValueError):
    """A step the workflow does not allow; the message is for the person (Vietnamese)."""


@dataclass
class SourceInput:
    url: str
    published_on: date
    title: str = ""


@dataclass
class Content:
    """What an editor writes in one revision."""

    title: str
    summary: str
    body_markdown: str
    correction_note: str = ""
    claim: str = ""
    appeared_where: str = ""
    appeared_when: date | None = None
    rating: str = ""
    sources: list[SourceInput] = field(default_factory=list)


REVISION_FIELDS = [f.name for f in fields(Content) if f.name != "sources"]


def _require_editor(user: User, unit: Unit) -> None:
    if not can_act(user, PUBLISH, unit):
        raise PermissionDenied(_("Bạn không có quyền đăng bản tin cho đơn vị này."))


def _check_content(kind: str, content: Content) -> None:
    if kind == Kind.FACT_CHECK:
        if not content.claim.strip() or not content.rating:
            raise BulletinError(_("Bài kiểm chứng cần nêu thông tin được kiểm chứng và kết luận."))
        if not content.sources:
            raise BulletinError(_("Bài kiểm chứng cần ít nhất một nguồn công khai."))


def _new_slug(title: str) -> str:
    base = slugify(title)[:80].strip("-") or "ban-tin"
    return f"{base}-{secrets.token_hex(3)}"


def _write_revision(revision: Revision, content: Content) -> None:
    for name in REVISION_FIELDS:
        setattr(revision, name, getattr(content, name))
    revision.body_html = markdown.render(content.body_markdown)
    revision.save()
    revision.sources.all().delete()
    Source.objects.bulk_create(
        Source(revision=revision, url=s.url, title=s.title, published_on=s.published_on)
        for s in content.sources
    )


@transaction.atomic
def create_bulletin(
    *,
    kind: str,
    unit: Unit,
    author: User,
    content: Content,
    units: Iterable[Unit] = (),
    tags: Iterable[str] = (),
    scam_type: str = "",
    case: Case | None = None,
    indicators: Iterable[Indicator] = (),
) -> Bulletin:
    """A new bulletin with its first revision, a draft."""
    _require_editor(author, unit)
    _check_content(kind, content)
    bulletin = Bulletin.objects.create(
        kind=kind,
        unit=unit,
        slug=_new_slug(content.title),
        tags=clean_tags(tags),
        scam_type=scam_type,
        case=case,
        created_by=author,
    )
    bulletin.units.set(list(units) or [unit])
    bulletin.indicators.set(list(indicators))
    _write_revision(Revision(bulletin=bulletin, number=1, written_by=author), content)
    return bulletin


def clean_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        tag = " ".join(tag.split())[:40]
        if tag:
            seen.setdefault(tag.lower(), None)
    return list(seen)[:12]


@transaction.atomic
def update_bulletin(
    *,
    bulletin: Bulletin,
    editor: User,
    content: Content,
    units: Iterable[Unit],
    tags: Iterable[str],
    scam_type: str,
) -> Revision:
    """Edit the unpublished revision (a draft, or one in review: it goes back to draft)."""
    _require_editor(editor, bulletin.unit)
    revision = bulletin.pending_revision()
    if revision is None:
        raise BulletinError(_("Bản tin đã đăng: hãy tạo một bản đính chính."))
    _check_content(bulletin.kind, content)
    if revision.is_correction and not content.correction_note.strip():
        raise BulletinError(_("Bản đính chính cần ghi rõ đã sửa điều gì."))
    revision.written_by = editor
    revision.written_at = timezone.now()
    revision.state = RevisionState.DRAFT
    revision.submitted_at = None
    _write_revision(revision, content)
    bulletin.units.set(list(units) or [bulletin.unit])
    bulletin.tags = clean_tags(tags)
    bulletin.scam_type = scam_type
    if bulletin.status == BulletinStatus.IN_REVIEW:
        bulletin.status = BulletinStatus.DRAFT
    bulletin.save(update_fields=["tags", "scam_type", "status"])
    return revision


def _pending(bulletin: Bulletin, state: str) -> Revision:
    revision = bulletin.pending_revision()
    if revision is None or revision.state != state:
        raise BulletinError(_("Bản tin không ở bước này (có thể người khác vừa thao tác)."))
    return revision


def _locked(bulletin: Bulletin) -> Bulletin:
    """The bulletin row, locked for the rest of the transaction: two editors approving at once
    publish once."""
    return Bulletin.objects.select_for_update().get(pk=bulletin.pk)


@transaction.atomic
def submit_for_review(*, bulletin: Bulletin, editor: User) -> Revision:
    _require_editor(editor, bulletin.unit)
    bulletin = _locked(bulletin)
    revision = _pending(bulletin, RevisionState.DRAFT)
    if revision.is_correction and not revision.correction_note.strip():
        raise BulletinError(_("Bản đính chính cần ghi rõ đã sửa điều gì."))
    revision.state = RevisionState.IN_REVIEW
    revision.submitted_at = timezone.now()
    revision.save(update_fields=["state", "submitted_at"])
    if bulletin.status == BulletinStatus.DRAFT:
        bulletin.status = BulletinStatus.IN_REVIEW
        bulletin.save(update_fields=["status"])
    return revision


@transaction.atomic
def return_to_draft(*, bulletin: Bulletin, editor: User) -> Revision:
    """The reviewer sends the revision back to its writer."""
    _require_editor(editor, bulletin.unit)
    bulletin = _locked(bulletin)
    revision = _pending(bulletin, RevisionState.IN_REVIEW)
    revision.state = RevisionState.DRAFT
    revision.submitted_at = None
    revision.save(update_fields=["state", "submitted_at"])
    if bulletin.status == BulletinStatus.IN_REVIEW:
        bulletin.status = BulletinStatus.DRAFT
        bulletin.save(update_fields=["status"])
    return revision


@transaction.atomic
def publish(*, revision: Revision, approver: User, at: datetime | None = None) -> Revision:
    """Approve and publish `revision` (now, or at `at`: the page and the channels wait until
    then), and write its deliveries in the same transaction."""
    from .outbox import enqueue_deliveries

    bulletin = _locked(revision.bulletin)
    _require_editor(approver, bulletin.unit)
    revision = _pending(bulletin, RevisionState.IN_REVIEW)
    if revision.written_by_id == approver.pk:
        raise BulletinError(
            _("Người viết không tự duyệt bài của mình: cần một biên tập viên khác.")
        )
    now = timezone.now()
    revision.state = RevisionState.PUBLISHED
    revision.approved_by = approver
    revision.approved_at = now
    revision.published_at = max(at, now) if at else now
    revision.save(update_fields=["state", "approved_by", "approved_at", "published_at"])
    if bulletin.published_at is None or bulletin.status == BulletinStatus.IN_REVIEW:
        bulletin.published_at = revision.published_at
    bulletin.status = BulletinStatus.PUBLISHED
    bulletin.updated_at = revision.published_at
    bulletin.save(update_fields=["status", "published_at", "updated_at"])
    enqueue_deliveries(revision=revision)
    return revision


@transaction.atomic
def start_correction(*, bulletin: Bulletin, editor: User) -> Revision:
    """A new draft revision copying the published text, to correct it."""
    _require_editor(editor, bulletin.unit)
    bulletin = _locked(bulletin)
    if bulletin.status != BulletinStatus.PUBLISHED:
        raise BulletinError(_("Chỉ đính chính được bản tin đã đăng."))
    if bulletin.pending_revision() is not None:
        raise BulletinError(_("Bản tin đang có một bản sửa chưa đăng."))
    latest = bulletin.revisions.order_by("-number").first()
    assert latest is not None  # a published bulletin has a revision
    content = Content(
        **{name: getattr(latest, name) for name in REVISION_FIELDS if name != "correction_note"},
        sources=[SourceInput(s.url, s.published_on, s.title) for s in latest.sources.all()],
    )
    revision = Revision(bulletin=bulletin, number=latest.number + 1, written_by=editor)
    _write_revision(revision, content)
    return revision


@transaction.atomic
def withdraw(*, bulletin: Bulletin, editor: User) -> Bulletin:
    """Take a bulletin off the public pages and feeds (what was sent stays sent)."""
    _require_editor(editor, bulletin.unit)
    bulletin = _locked(bulletin)
    bulletin.status = BulletinStatus.WITHDRAWN
    bulletin.save(update_fields=["status"])
    return bulletin


def add_image(*, bulletin: Bulletin, editor: User, upload: File[bytes] | bytes, alt: str) -> Image:
    """Store a re-encoded copy of the uploaded image (bulletins.images)."""
    _require_editor(editor, bulletin.unit)
    content = reencode(upload)
    position = bulletin.images.count()
    image = Image(bulletin=bulletin, alt=alt.strip()[:300], position=position)
    image.file.save(content.name or "image.jpg", content, save=False)
    image.save()
    return image


@dataclass
class CaseDraft:
    """What a warning drafted from a case starts with: only public facts."""

    title: str
    summary: str
    body_markdown: str
    scam_type: str
    indicators: list[Indicator]
    unit: Unit


def draft_from_case(*, case: Case, kind: str = Kind.WARNING) -> CaseDraft:
    """A warning (or a notice of the handled case) from what is public about `case`."""
    proposal = (
        ListingProposal.objects.filter(
            case=case, action=ProposalAction.LIST, status=ProposalStatus.CONFIRMED
        )
        .order_by("-decided_at")
        .first()
    )
    reason = proposal.public_reason.strip() if proposal else ""
    scam_type = _main_scam_type(case)
    listed = list(case.indicators.filter(status=Status.LISTED).order_by("pk"))
    label = str(ScamType(scam_type).label) if scam_type else _("Lừa đảo")
    parts = [reason] if reason else []
    if listed:
        parts.append(_("Các dấu hiệu đã được xác minh:"))
        parts.append("\n".join(f"- `{i.value}`" for i in listed))
    return CaseDraft(
        title=(
            _("Vụ việc đã xử lý: %(type)s") if kind == Kind.CASE_NOTICE else _("Cảnh báo: %(type)s")
        )
        % {"type": label},
        summary=reason[:400],
        body_markdown="\n\n".join(parts),
        scam_type=scam_type,
        indicators=listed,
        unit=case.unit,
    )


def _main_scam_type(case: Case) -> str:
    types = [t for t in case.scam_types or [] if t in ScamType.values]
    return Counter(types).most_common(1)[0][0] if types else ""
