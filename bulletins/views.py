"""Pages of the bulletins app. Public (no account): the list at /canh-bao/, each bulletin and
each of its published revisions. Staff (Permission.PUBLISH_BULLETINS, scoped with units_for):
the editors' list, writing and editing, images, and the review steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lib.links import absolute_url
from orgs.access import can_act, staff_required, units_for
from orgs.models import Permission, Unit
from reports.models import Case, ProposalAction, ProposalStatus, ScamType

from . import services
from .forms import BulletinForm, ImageForm, PublishForm, format_sources
from .models import (
    KIND_SLUGS,
    RATING_BEST,
    RATING_WORST,
    SLUG_KINDS,
    Bulletin,
    BulletinStatus,
    Image,
    Kind,
    Revision,
    RevisionState,
    Source,
)
from .services import BulletinError, SourceInput

if TYPE_CHECKING:
    from orgs.models import User

PUBLISH = Permission.PUBLISH_BULLETINS
PAGE_SIZE = 20
FACT_CHECK_FIELDS = ("claim", "appeared_where", "appeared_when", "rating", "sources")


# Public pages.


def public_list(request: HttpRequest) -> HttpResponse:
    bulletins = Bulletin.objects.public()
    kind = SLUG_KINDS.get(request.GET.get("loai", ""))
    if kind:
        bulletins = bulletins.filter(kind=kind)
    scam_type = request.GET.get("hinh-thuc", "")
    if scam_type in ScamType.values:
        bulletins = bulletins.filter(scam_type=scam_type)
    else:
        scam_type = ""
    unit = Unit.objects.filter(code=request.GET.get("don-vi", "")[:32]).first()
    if unit is not None:
        bulletins = bulletins.filter(units__in=Unit.objects.within([unit])).distinct()
    bulletins = (
        bulletins.select_related("unit").with_public_revisions().order_by("-published_at", "-pk")
    )
    page = Paginator(bulletins, PAGE_SIZE).get_page(request.GET.get("trang"))
    entries = [(b, b.published_revision()) for b in page]
    context = {
        "page": page,
        "entries": [(b, r) for b, r in entries if r is not None],
        "kinds": [(KIND_SLUGS[k], k.label) for k in Kind],
        "scam_types": ScamType.choices,
        "units": Unit.objects.active()
        .filter(bulletins__status=BulletinStatus.PUBLISHED)
        .distinct()
        .order_by("path"),
        "filters": {
            "loai": KIND_SLUGS[kind] if kind else "",
            "hinh_thuc": scam_type,
            "don_vi": unit.code if unit else "",
        },
        "kind": kind,
    }
    return render(request, "bulletins/public_list.html", context)


def _public_bulletin(slug: str) -> Bulletin:
    return get_object_or_404(Bulletin.objects.public().select_related("unit"), slug=slug)


def public_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_public(request, _public_bulletin(slug), number=None)


def public_revision(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _render_public(request, _public_bulletin(slug), number=number)


def public_image(request: HttpRequest, pk: int) -> FileResponse:
    """An image of a published bulletin. Media files are not served as such (evidence lives
    there), so each public image goes through here."""
    image = get_object_or_404(Image.objects.filter(bulletin__in=Bulletin.objects.public()), pk=pk)
    return _image_response(image, public=True)


def _image_response(image: Image, *, public: bool) -> FileResponse:
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    # The file never changes under its name: a new upload is a new row.
    response["Cache-Control"] = "public, max-age=86400" if public else "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _render_public(request: HttpRequest, bulletin: Bulletin, *, number: int | None) -> HttpResponse:
    """The latest published revision (`number` None, the canonical page) or an earlier one."""
    history = list(
        bulletin.revisions.filter(
            state=RevisionState.PUBLISHED, published_at__lte=timezone.now()
        ).order_by("number")
    )
    if number is None:
        revision = history[-1] if history else None
    else:
        revision = next((r for r in history if r.number == number), None)
    if revision is None:
        raise Http404
    sources = list(revision.sources.all())
    context = {
        "bulletin": bulletin,
        "revision": revision,
        "history": history,
        "is_latest": revision is history[-1],
        "images": list(bulletin.images.all()),
        "sources": sources,
        "units": list(bulletin.units.all()),
        "claim_review": _claim_review(bulletin, revision, sources)
        if bulletin.kind == Kind.FACT_CHECK
        else None,
        "canonical": number is None,
    }
    return render(request, "bulletins/public_detail.html", context)


def _claim_review(bulletin: Bulletin, revision: Revision, sources: list[Source]) -> dict[str, Any]:
    """schema.org ClaimReview: the claim reviewed, the rating on our fixed scale, and the
    organisation as the author (a bulletin never speaks as a private person)."""
    site = absolute_url("/")
    claim: dict[str, Any] = {"@type": "Claim", "text": revision.claim}
    if revision.appeared_where or revision.appeared_when:
        appearance: dict[str, Any] = {"@type": "CreativeWork"}
        if revision.appeared_where:
            appearance["name"] = revision.appeared_where
        claim["appearance"] = appearance
    if revision.appeared_when:
        claim["datePublished"] = revision.appeared_when.isoformat()
    organisation = {"@type": "Organization", "name": bulletin.unit.name, "url": site}
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": absolute_url(bulletin.get_absolute_url()),
        "claimReviewed": revision.claim,
        "itemReviewed": claim,
        "author": organisation,
        "datePublished": revision.published_at.date().isoformat()
        if revision.published_at
        else None,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": revision.rating_value,
            "bestRating": RATING_BEST,
            "worstRating": RATING_WORST,
            "alternateName": revision.get_rating_display(),
        },
        "inLanguage": "vi",
        # The public sources that support the rating (CreativeWork.citation).
        "citation": [
            {
                "@type": "CreativeWork",
                "url": source.url,
                "name": source.title or source.url,
                "datePublished": source.published_on.isoformat(),
            }
            for source in sources
        ],
    }


# Staff pages.


def _scope(request: HttpRequest) -> Any:
    return units_for(request.user, PUBLISH)


def _staff_bulletin(request: HttpRequest, pk: int | str) -> Bulletin:
    """A bulletin of the person's units; 404 otherwise (its existence is not disclosed)."""
    if isinstance(pk, str) and not pk.isdigit():
        raise Http404
    scoped = Bulletin.objects.for_units(_scope(request)).select_related("unit", "case")
    return get_object_or_404(scoped, pk=pk)


@staff_required(PUBLISH)
def staff_list(request: HttpRequest) -> HttpResponse:
    bulletins = (
        Bulletin.objects.for_units(_scope(request)).select_related("unit").with_revision_heads()
    )
    status = request.GET.get("status", "")
    if status in BulletinStatus.values:
        bulletins = bulletins.filter(status=status)
    page = Paginator(bulletins.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    rows = [(b, b.current_revision(), b.pending_revision()) for b in page]
    context = {
        "page": page,
        "rows": rows,
        "statuses": BulletinStatus.choices,
        "status": status,
        "cases": _cases_to_warn_about(request),
    }
    return render(request, "bulletins/staff/list.html", context)


def _cases_to_warn_about(request: HttpRequest) -> list[Case]:
    """Recently listed cases of the person's units that no bulletin comes from yet: the ones
    a warning may be drafted from. Only their number and scam types are shown."""
    warned = Bulletin.objects.filter(case__isnull=False).values("case_id")
    cases = (
        Case.objects.visible_to(_scope(request))
        .filter(proposals__action=ProposalAction.LIST, proposals__status=ProposalStatus.CONFIRMED)
        .exclude(pk__in=warned)
        .distinct()
        .select_related("unit")
        .order_by("-latest_report_at", "-pk")
    )
    return list(cases[:10])


def _bulletin_form(
    request: HttpRequest, *, correction: bool = False, **kwargs: Any
) -> BulletinForm:
    data = request.POST if request.method == "POST" else None
    return BulletinForm(
        data, units=_scope(request).active().order_by("path"), correction=correction, **kwargs
    )


def _create(
    request: HttpRequest, form: BulletinForm, case: Case | None = None
) -> HttpResponse | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    user: User = request.user  # type: ignore[assignment]  # staff_required: signed in
    draft = services.draft_from_case(case=case) if case else None
    try:
        bulletin = services.create_bulletin(
            kind=data["kind"],
            unit=data["unit"],
            author=user,
            content=form.content(),
            units=data["units"],
            tags=data["tags"],
            scam_type=data["scam_type"],
            case=case,
            indicators=draft.indicators if draft else (),
        )
    except BulletinError as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(request, _("Đã lưu bản nháp."))
    return redirect("bulletins:staff-detail", pk=bulletin.pk)


@staff_required(PUBLISH)
def staff_create(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", Kind.WARNING)
    form = _bulletin_form(request, initial={"kind": kind if kind in Kind.values else Kind.WARNING})
    if request.method == "POST" and (done := _create(request, form)):
        return done
    context = {"form": form, "creating": True, "fact_check_fields": FACT_CHECK_FIELDS}
    return render(request, "bulletins/staff/form.html", context)


@staff_required(PUBLISH)
def staff_from_case(request: HttpRequest, case_pk: int) -> HttpResponse:
    """A warning or a case notice started from a case: only what is public about it."""
    case = get_object_or_404(Case.objects.visible_to(_scope(request)), pk=case_pk)
    kind = Kind.CASE_NOTICE if request.GET.get("kind") == Kind.CASE_NOTICE else Kind.WARNING
    draft = services.draft_from_case(case=case, kind=kind)
    unit = draft.unit if can_act(request.user, PUBLISH, draft.unit) else None
    initial = {
        "kind": kind,
        "unit": unit,
        "units": [draft.unit],
        "scam_type": draft.scam_type,
        "title": draft.title,
        "summary": draft.summary,
        "body_markdown": draft.body_markdown,
    }
    form = _bulletin_form(request, initial=initial)
    if request.method == "POST" and (done := _create(request, form, case)):
        return done
    context = {
        "form": form,
        "creating": True,
        "case": case,
        "draft": draft,
        "fact_check_fields": FACT_CHECK_FIELDS,
    }
    return render(request, "bulletins/staff/form.html", context)


@staff_required(PUBLISH)
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _staff_bulletin(request, pk)
    pending = bulletin.pending_revision()
    user: User = request.user  # type: ignore[assignment]  # staff_required: signed in
    context = {
        "bulletin": bulletin,
        "pending": pending,
        "current": bulletin.current_revision(),
        "revisions": list(
            bulletin.revisions.select_related("written_by", "approved_by").order_by("-number")
        ),
        "images": list(bulletin.images.all()),
        "image_form": ImageForm(),
        "publish_form": PublishForm(),
        "scheduled": bool(
            bulletin.published_at
            and bulletin.status == BulletinStatus.PUBLISHED
            and bulletin.published_revision() is None
        ),
        "can_approve": bool(
            pending
            and pending.state == RevisionState.IN_REVIEW
            and pending.written_by_id != user.pk
        ),
    }
    return render(request, "bulletins/staff/detail.html", context)


@staff_required(PUBLISH)
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _staff_bulletin(request, pk)
    revision = bulletin.pending_revision()
    if revision is None:
        messages.error(request, _("Bản tin đã đăng: hãy tạo một bản đính chính."))
        return redirect("bulletins:staff-detail", pk=bulletin.pk)
    initial = _initial_of(bulletin, revision)
    form = _bulletin_form(request, correction=revision.is_correction, initial=initial)
    form.fields["kind"].disabled = True
    form.fields["unit"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_bulletin(
                bulletin=bulletin,
                editor=request.user,  # type: ignore[arg-type]  # staff_required: signed in
                content=form.content(),
                units=data["units"],
                tags=data["tags"],
                scam_type=data["scam_type"],
            )
        except BulletinError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("bulletins:staff-detail", pk=bulletin.pk)
    context = {
        "form": form,
        "bulletin": bulletin,
        "revision": revision,
        "creating": False,
        "fact_check_fields": FACT_CHECK_FIELDS,
    }
    return render(request, "bulletins/staff/form.html", context)


def _initial_of(bulletin: Bulletin, revision: Revision) -> dict[str, Any]:
    sources = [SourceInput(s.url, s.published_on, s.title) for s in revision.sources.all()]
    return {
        "kind": bulletin.kind,
        "unit": bulletin.unit,
        "units": list(bulletin.units.all()),
        "scam_type": bulletin.scam_type,
        "tags": ", ".join(bulletin.tags),
        "sources": format_sources(sources),
        **{name: getattr(revision, name) for name in services.REVISION_FIELDS},
    }


@staff_required(PUBLISH)
@require_POST
def staff_add_image(request: HttpRequest) -> HttpResponse:
    form = ImageForm(request.POST, request.FILES)
    bulletin = _staff_bulletin(request, form.data.get("bulletin", ""))
    if form.is_valid():
        try:
            services.add_image(
                bulletin=bulletin,
                editor=request.user,  # type: ignore[arg-type]  # staff_required: signed in
                upload=form.cleaned_data["image"],
                alt=form.cleaned_data["alt"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã thêm ảnh."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("bulletins:staff-detail", pk=bulletin.pk)


@staff_required(PUBLISH)
def staff_image_file(request: HttpRequest, pk: int) -> FileResponse:
    """An image of a bulletin of the person's units, published or not (for the preview)."""
    scoped = Image.objects.filter(bulletin__unit__in=_scope(request))
    return _image_response(get_object_or_404(scoped, pk=pk), public=False)


# Lazy: built at import, translated in the language of each request.
ACTION_DONE = {
    "submit": gettext_lazy("Đã gửi duyệt: một biên tập viên khác sẽ duyệt và đăng."),
    "return": gettext_lazy("Đã trả lại cho người viết."),
    "approve": gettext_lazy("Đã duyệt và đăng."),
    "correct": gettext_lazy("Đã tạo bản đính chính: sửa nội dung và ghi rõ đã sửa gì."),
    "withdraw": gettext_lazy("Đã gỡ bản tin khỏi trang công khai."),
}


@staff_required(PUBLISH)
@require_POST
def staff_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    bulletin = _staff_bulletin(request, pk)
    if action not in ACTION_DONE:
        raise Http404
    user: User = request.user  # type: ignore[assignment]  # staff_required: signed in
    try:
        if action == "submit":
            services.submit_for_review(bulletin=bulletin, editor=user)
        elif action == "return":
            services.return_to_draft(bulletin=bulletin, editor=user)
        elif action == "approve":
            if not _approve(request, bulletin, user):
                return redirect("bulletins:staff-detail", pk=bulletin.pk)
        elif action == "correct":
            services.start_correction(bulletin=bulletin, editor=user)
            messages.success(request, str(ACTION_DONE[action]))
            return redirect("bulletins:staff-edit", pk=bulletin.pk)
        else:
            services.withdraw(bulletin=bulletin, editor=user)
    except BulletinError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(ACTION_DONE[action]))
    return redirect("bulletins:staff-detail", pk=bulletin.pk)


def _approve(request: HttpRequest, bulletin: Bulletin, user: User) -> bool:
    form = PublishForm(request.POST)
    revision = bulletin.pending_revision()
    if not form.is_valid() or revision is None:
        messages.error(request, _("Thời điểm đăng không hợp lệ."))
        return False
    services.publish(revision=revision, approver=user, at=form.cleaned_data["at"])
    return True
