"""Staff pages for verifiers: the case queue, a case with its workflow, evidence files, appeals
and the bulk import. Every query is scoped with units_for; single objects are checked with
require_unit (or can_act for what a page shows)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from indicators.kinds import Kind
from indicators.models import Indicator, Status
from orgs.access import (
    AuthenticatedHttpRequest,
    require_unit,
    roles_granting,
    staff_required,
    units_for,
)
from orgs.models import CITIZEN_UNIT_KINDS, Permission, Unit, UnitKind, UnitQuerySet, User

from . import services, workflow
from .forms import ImportForm, ProposeListingForm
from .importing import import_indicators
from .models import (
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    Evidence,
    ListingProposal,
    ProposalAction,
    ProposalStatus,
    ScamType,
)
from .services import WorkflowError

VERIFY = Permission.VERIFY_REPORTS


def _scope(request: AuthenticatedHttpRequest) -> UnitQuerySet:
    return units_for(request.user, VERIFY)


def _visible_case(
    request: AuthenticatedHttpRequest, pk: int, scope: UnitQuerySet | None = None
) -> Case:
    """A case the person may see; 404 otherwise (its existence is not disclosed)."""
    scope = _scope(request) if scope is None else scope
    cases = Case.objects.visible_to(scope).select_related("unit", "assigned_to")
    return get_object_or_404(cases, pk=pk)


@staff_required(VERIFY)
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = _scope(request)
    cases = Case.objects.visible_to(scope).exclude(status=CaseStatus.MERGED)
    unit_code = request.GET.get("unit", "")[:32]
    if unit_code:
        unit = scope.filter(code=unit_code).first()
        if unit is not None:
            below = Unit.objects.within([unit])
            cases = cases.filter(Q(unit__in=below) | Q(reports__unit__in=below)).distinct()
    scam_type = request.GET.get("type", "")
    if scam_type in ScamType.values:
        cases = cases.filter(reports__scam_type=scam_type).distinct()
    status = request.GET.get("status", CaseStatus.OPEN)
    if status in (CaseStatus.OPEN, CaseStatus.CLOSED):
        cases = cases.filter(status=status)
    assigned = request.GET.get("assigned", "")
    if assigned == "me":
        cases = cases.filter(assigned_to=request.user)
    elif assigned == "none":
        cases = cases.filter(assigned_to__isnull=True)
    cases = cases.select_related("unit", "assigned_to").prefetch_related("indicators")
    page = Paginator(cases.order_by("-priority", "-latest_report_at", "-pk"), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "units": scope.active().filter(kind__in=[*CITIZEN_UNIT_KINDS, UnitKind.PROVINCE]),
        "scam_types": ScamType.choices,
        "filters": {"unit": unit_code, "type": scam_type, "status": status, "assigned": assigned},
    }
    return render(request, "reports/staff/queue.html", context)


def _verifiers_for(unit: Unit) -> QuerySet[User]:
    steplen = Unit.steplen
    paths = [unit.path[:n] for n in range(steplen, len(unit.path) + 1, steplen)]
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__role__in=roles_granting(VERIFY),
            role_assignments__unit__path__in=paths,
        )
        .distinct()
        .order_by("username")
    )


@staff_required(VERIFY)
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    scope = _scope(request)
    case = _visible_case(request, pk, scope)
    if case.status == CaseStatus.MERGED and case.merged_into_id:
        messages.info(
            request, _("Hồ sơ này đã được gộp vào hồ sơ #%(n)d.") % {"n": case.merged_into_id}
        )
        return redirect("reports:case", pk=case.merged_into_id)
    allowed_units = set(scope.values_list("pk", flat=True))
    reports = list(
        case.reports.select_related("unit")
        .prefetch_related("indicators", "evidence")
        .order_by("-created_at")
    )
    proposals = [
        (proposal, _proposal_rows(proposal))
        for proposal in case.proposals.select_related("proposed_by", "decided_by").prefetch_related(
            "indicators"
        )
    ]
    indicators = list(case.indicators.order_by("kind", "value"))
    context = {
        "case": case,
        "can_act": case.unit_id in allowed_units,
        "indicators": indicators,
        "reports": reports,
        # Reporter contact and evidence: only for verifiers of the report's own unit.
        "personal_units": allowed_units,
        "notes": case.notes.select_related("author"),
        "proposals": proposals,
        "events": case.events.select_related("indicator")[:200],
        "verifiers": _verifiers_for(case.unit),
        "propose_form": ProposeListingForm(level_choices=workflow.level_choices(indicators)),
        "statuses": [
            (Status.CLEARED, Status.CLEARED.label),
            (Status.INSUFFICIENT_EVIDENCE, Status.INSUFFICIENT_EVIDENCE.label),
        ],
    }
    return render(request, "reports/staff/case.html", context)


def _proposal_rows(proposal: ListingProposal) -> list[tuple[Indicator, str]]:
    """Each indicator of a proposal with what its listing reaches, for the second verifier."""
    indicators = list(proposal.indicators.all())
    if proposal.action != ProposalAction.LIST:
        return [(i, "") for i in indicators]
    levels = workflow.proposal_levels(indicators)
    for_domain = {
        workflow.host_domain(i.value): i.value
        for i in indicators
        if levels.get(i.pk) == workflow.Level.DOMAIN
    }
    rows = []
    for indicator in indicators:
        if indicator.pk in levels:
            note = str(workflow.Level(levels[indicator.pk]).label)
        elif indicator.value in for_domain:
            note = _("tên miền của %(url)s: chặn cả tên miền con") % {
                "url": for_domain[indicator.value]
            }
        else:
            note = ""
        rows.append((indicator, note))
    return rows


def _ids(request: AuthenticatedHttpRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name)[:500] if v.isdigit()]


def _indicators(request: AuthenticatedHttpRequest, case: Case) -> list[Indicator] | None:
    ids = _ids(request, "indicator")
    return list(case.indicators.filter(pk__in=ids)) if ids else None


def _reason(request: AuthenticatedHttpRequest) -> str:
    return request.POST.get("reason", "")[:2000]


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def _act_assign(request: AuthenticatedHttpRequest, case: Case) -> str:
    username = request.POST.get("assignee", "")[:150]
    assignee = None
    if username:
        assignee = _verifiers_for(case.unit).filter(username=username).first()
        if assignee is None:
            raise WorkflowError(
                _("Người được giao phải là xác minh viên của đơn vị phụ trách hồ sơ.")
            )
    services.assign_case(case=case, verifier=request.user, assignee=assignee)
    return _("Đã giao hồ sơ.")


def _act_note(request: AuthenticatedHttpRequest, case: Case) -> str:
    services.add_note(case=case, author=request.user, text=request.POST.get("text", "")[:5000])
    return _("Đã thêm ghi chú.")


def _act_start(request: AuthenticatedHttpRequest, case: Case) -> str:
    services.start_review(case=case, verifier=request.user)
    return _("Đã chuyển các dấu hiệu sang “đang xác minh”.")


def _act_propose(request: AuthenticatedHttpRequest, case: Case) -> str:
    choices = workflow.level_choices(case.indicators.filter(kind=Kind.URL))
    form = ProposeListingForm(request.POST, level_choices=choices)
    if not form.is_valid():
        raise WorkflowError(" ".join(str(e) for errs in form.errors.values() for e in errs))
    data = form.cleaned_data
    workflow.propose_listing(
        case=case,
        verifier=request.user,
        category=data["category"],
        risk=data["risk"],
        public_reason=data["public_reason"],
        expires_at=_end_of_day(data["expires_at"]) if data.get("expires_at") else None,
        indicators=_indicators(request, case),
        levels=form.levels(),
    )
    return _("Đã gửi đề xuất. Cần một xác minh viên khác xác nhận.")


def _proposal(request: AuthenticatedHttpRequest, case: Case) -> ListingProposal:
    pk = request.POST.get("proposal", "")
    proposal = case.proposals.filter(pk=int(pk) if pk.isdigit() else 0).first()
    if proposal is None:
        raise WorkflowError(_("Không tìm thấy đề xuất."))
    return proposal


def _act_confirm(request: AuthenticatedHttpRequest, case: Case) -> str:
    workflow.confirm_proposal(proposal=_proposal(request, case), verifier=request.user)
    return _("Đã xác nhận. Danh sách cảnh báo đã được cập nhật.")


def _act_reject(request: AuthenticatedHttpRequest, case: Case) -> str:
    workflow.reject_proposal(
        proposal=_proposal(request, case), verifier=request.user, reason=_reason(request)
    )
    return _("Đã từ chối đề xuất.")


def _act_decide(request: AuthenticatedHttpRequest, case: Case) -> str:
    workflow.decide_indicators(
        case=case,
        verifier=request.user,
        status=request.POST.get("status", ""),
        reason=_reason(request),
        indicators=_indicators(request, case),
    )
    return _("Đã ghi kết luận.")


def _act_delist(request: AuthenticatedHttpRequest, case: Case) -> str:
    workflow.propose_delisting(
        case=case,
        verifier=request.user,
        public_reason=_reason(request),
        indicators=_indicators(request, case),
    )
    return _("Đã đề xuất gỡ. Cần một xác minh viên khác xác nhận.")


def _act_close(request: AuthenticatedHttpRequest, case: Case) -> str:
    services.close_case(case=case, verifier=request.user, reason=_reason(request))
    return _("Đã đóng hồ sơ.")


def _act_reopen(request: AuthenticatedHttpRequest, case: Case) -> str:
    services.reopen_case(case=case, verifier=request.user, reason=_reason(request))
    return _("Đã mở lại hồ sơ.")


def _act_merge(request: AuthenticatedHttpRequest, case: Case) -> str:
    number = request.POST.get("target", "").strip().lstrip("#")
    target = (
        Case.objects.visible_to(_scope(request))
        .filter(pk=int(number) if number.isdigit() else 0)
        .first()
    )
    if target is None:
        raise WorkflowError(_("Không tìm thấy hồ sơ #%(n)s.") % {"n": number[:12]})
    workflow.merge_cases(target=target, source=case, verifier=request.user, reason=_reason(request))
    return _("Đã gộp vào hồ sơ #%(n)d.") % {"n": target.pk}


def _act_split(request: AuthenticatedHttpRequest, case: Case) -> str:
    new = workflow.split_case(
        case=case,
        verifier=request.user,
        reason=_reason(request),
        indicators=_ids(request, "indicator"),
        reports=_ids(request, "report"),
    )
    return _("Đã tách thành hồ sơ #%(n)d.") % {"n": new.pk}


CASE_ACTIONS: dict[str, Callable[[AuthenticatedHttpRequest, Case], str]] = {
    "assign": _act_assign,
    "note": _act_note,
    "start": _act_start,
    "propose": _act_propose,
    "confirm": _act_confirm,
    "reject": _act_reject,
    "decide": _act_decide,
    "delist": _act_delist,
    "close": _act_close,
    "reopen": _act_reopen,
    "merge": _act_merge,
    "split": _act_split,
}


@staff_required(VERIFY)
@require_POST
def case_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    handler = CASE_ACTIONS.get(action)
    if handler is None:
        raise Http404
    case = _visible_case(request, pk)
    require_unit(request.user, VERIFY, case.unit)
    try:
        messages.success(request, handler(request, case))
    except WorkflowError as error:
        messages.error(request, str(error))
    if action == "merge" and case.merged_into_id:
        return redirect("reports:case", pk=case.merged_into_id)
    return redirect("reports:case", pk=case.pk)


@staff_required(VERIFY)
def evidence_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("report", "appeal"), pk=pk)
    owner = evidence.report or evidence.appeal
    if owner is None:  # evidence is a report's or an appeal's (purged rows go with their files)
        raise Http404
    require_unit(request.user, VERIFY, owner.unit)
    ext = "pdf" if evidence.content_type == "application/pdf" else evidence.file.name[-3:]
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=evidence.content_type == "application/pdf",
        filename=f"bang-chung-{evidence.pk}.{ext}",
    )
    # Never rendered as a page of this site, never cached by a shared proxy.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


# --- appeals ---------------------------------------------------------------------------------


@staff_required(VERIFY)
def appeal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    appeals = Appeal.objects.filter(unit__in=_scope(request)).select_related("indicator", "unit")
    show = request.GET.get("show", "open")
    if show == "open":
        appeals = appeals.filter(status=AppealStatus.RECEIVED)
    page = Paginator(appeals.order_by("deadline", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request, "reports/staff/appeals.html", {"page": page, "show": show, "now": timezone.now()}
    )


def _visible_appeal(request: AuthenticatedHttpRequest, pk: int) -> Appeal:
    return get_object_or_404(Appeal.objects.filter(unit__in=_scope(request)), pk=pk)


@staff_required(VERIFY)
def appeal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appeal = _visible_appeal(request, pk)
    proposals = appeal.proposals.select_related("proposed_by", "decided_by").prefetch_related(
        "indicators"
    )
    context = {
        "appeal": appeal,
        "proposals": proposals,
        "events": appeal.events.all()[:100],
        "case_link": getattr(appeal.indicator, "case_link", None),
    }
    return render(request, "reports/staff/appeal.html", context)


@staff_required(VERIFY)
@require_POST
def appeal_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    appeal = _visible_appeal(request, pk)
    require_unit(request.user, VERIFY, appeal.unit)
    try:
        if action == "delist":
            workflow.propose_delisting(
                appeal=appeal, verifier=request.user, public_reason=_reason(request)
            )
            messages.success(request, _("Đã đề xuất gỡ. Cần một xác minh viên khác xác nhận."))
        elif action in ("confirm", "reject-proposal"):
            pid = request.POST.get("proposal", "")
            proposal = appeal.proposals.filter(
                pk=int(pid) if pid.isdigit() else 0, status=ProposalStatus.PENDING
            ).first()
            if proposal is None:
                raise WorkflowError(_("Không tìm thấy đề xuất."))
            if action == "confirm":
                workflow.confirm_proposal(proposal=proposal, verifier=request.user)
                messages.success(request, _("Đã xác nhận: dấu hiệu đã được gỡ khỏi danh sách."))
            else:
                workflow.reject_proposal(
                    proposal=proposal, verifier=request.user, reason=_reason(request)
                )
                messages.success(request, _("Đã từ chối đề xuất."))
        elif action == "reject":
            workflow.reject_appeal(appeal=appeal, verifier=request.user, reason=_reason(request))
            messages.success(request, _("Đã trả lời: giữ nguyên trong danh sách."))
        else:
            raise Http404
    except WorkflowError as error:
        messages.error(request, str(error))
    return redirect("reports:appeal", pk=appeal.pk)


# --- bulk import -----------------------------------------------------------------------------


@staff_required(VERIFY)
@require_http_methods(["GET", "POST"])
def import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = import_indicators(
                data=data["payload"],
                fmt=data["fmt"],
                source=data["source"],
                category=data["category"],
                risk=data["risk"],
                listed_by=request.user,
                dry_run=data["dry_run"],
            )
        except PermissionDenied:
            form.add_error(
                None, _("Chỉ xác minh viên cấp tỉnh mới được nhập thật; bạn vẫn có thể chạy thử.")
            )
            status = 403
        except (WorkflowError, ValidationError) as error:
            form.add_error(None, str(error))
            status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "result": result,
        "shown_rows": result.rows[:300] if result else [],
    }
    return render(request, "reports/staff/import.html", context, status=status)
