"""Unit managers: assign training to their units, follow progress, export it."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lib.links import absolute_url
from orgs.access import AuthenticatedHttpRequest, staff_required, units_for
from orgs.models import Permission, UnitQuerySet

from .forms import AssignmentForm
from .models import Assignment, Completion
from .progress import (
    MAX_OVERDUE_ON_PAGE,
    Progress,
    build_progress,
    progress_xlsx,
    public_totals,
)
from .services import TrainingError, create_assignment
from .xapi import statement_for

MAX_STATEMENTS = 20_000


def _scope(request: AuthenticatedHttpRequest) -> UnitQuerySet:
    return units_for(request.user, Permission.MANAGE_TRAINING)


@staff_required(Permission.MANAGE_TRAINING)
def manage_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    assignments = (
        # One person's assignments (drill follow-ups) count in the progress, not in this list.
        Assignment.objects.relevant_to(_scope(request))
        .to_units()
        .select_related("unit", "quiz")
        .prefetch_related("lessons")
    )
    return render(
        request, "training/manage.html", {"assignments": assignments, "now": timezone.now()}
    )


@staff_required(Permission.MANAGE_TRAINING)
@require_http_methods(["GET", "POST"])
def assignment_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AssignmentForm(request.POST or None, units=_scope(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            create_assignment(
                created_by=request.user,
                unit=data["unit"],
                title=data["title"],
                lessons=data["lessons"],
                quiz=data["quiz"],
                deadline=data["deadline"],
                note=data["note"],
            )
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Đã giao bài cho %s.") % data["unit"].name)
            return redirect("training-manage")
    status = 400 if form.errors else 200
    return render(request, "training/assign.html", {"form": form}, status=status)


def _assignment_filter(request: HttpRequest) -> int | None:
    raw = request.GET.get("assignment", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Http404
    return int(raw)


def _progress(request: AuthenticatedHttpRequest) -> tuple[Progress, int | None]:
    """The manager's progress, for one assignment when ?assignment= names one in scope."""
    chosen = _assignment_filter(request)
    progress = build_progress(scope=_scope(request), assignment_id=chosen)
    if chosen is not None and chosen not in {a.pk for a in progress.assignments}:
        raise Http404  # another scope's assignment: as if it did not exist
    return progress, chosen


@staff_required(Permission.MANAGE_TRAINING)
def progress_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    progress, chosen = _progress(request)
    context = {
        "progress": progress,
        "chosen": chosen,
        "overdue": progress.overdue[:MAX_OVERDUE_ON_PAGE],
        "overdue_more": max(len(progress.overdue) - MAX_OVERDUE_ON_PAGE, 0),
        "public": public_totals(),
    }
    return render(request, "training/progress.html", context)


@staff_required(Permission.MANAGE_TRAINING)
def progress_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    progress, _chosen = _progress(request)
    response = HttpResponse(
        progress_xlsx(progress),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="tien-do-tap-huan-{stamp}.xlsx"'
    return response


@staff_required(Permission.MANAGE_TRAINING)
def statements_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The completion records of the manager's people as xAPI statements (for an LRS)."""
    scope = _scope(request)
    records = (
        Completion.objects.filter(
            assignment__in=Assignment.objects.relevant_to(scope), user__home_unit__in=scope
        )
        .select_related("user", "assignment__unit", "assignment__quiz")
        .order_by("timestamp")[:MAX_STATEMENTS]
    )
    base = absolute_url("/").rstrip("/")
    statements = [statement_for(r, base_iri=base) for r in records]
    response = HttpResponse(
        json.dumps(statements, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="xapi-statements.json"'
    return response
