"""Public pages: the report form, the tracking page and the appeal form. No account needed;
nothing personal is ever shown back."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lib import ratelimit

from .forms import AppealForm, ReportForm, TrackForm, indicator_lines
from .models import Appeal, Report, Source, clean_tracking_code, new_tracking_code, public_status
from .services import ReportInput, WorkflowError, body_scope, root_unit, submit_report
from .workflow import file_appeal


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _rate_limited(request: HttpRequest, scope: str, setting: str, default: int) -> bool:
    ip = ratelimit.client_ip(request)
    return not ratelimit.allow(scope, ip, limit=_limit(setting, default))


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/rate_limited.html", status=429)


def _merged_lines(current: str, found: str) -> str:
    lines = [line.strip() for line in (current or "").splitlines() if line.strip()]
    return "\n".join(dict.fromkeys([*lines, *found.splitlines()]))


@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "reports/report_form.html", {"form": ReportForm()})
    if request.POST.get("action") == "extract":
        # The step without JavaScript: fill the list from the message and show the form again.
        initial = {name: request.POST.get(name, "") for name in ReportForm.base_fields}
        initial.pop("evidence", None)
        initial["indicators"] = _merged_lines(
            initial["indicators"], indicator_lines(initial["message_text"][:5000])
        )
        initial["consent_to_contact"] = bool(request.POST.get("consent_to_contact"))
        form = ReportForm(initial=initial)
        return render(request, "reports/report_form.html", {"form": form, "extracted": True})
    form = ReportForm(request.POST, request.FILES)
    if form.is_bot():
        # Same answer as a real submission, so that the bot learns nothing; nothing stored.
        return render(request, "reports/submitted.html", {"code": new_tracking_code()})
    if _rate_limited(request, "form", "REPORTS_FORM_RATE_PER_IP", 10):
        return _too_many(request)
    if not form.is_valid():
        return render(request, "reports/report_form.html", {"form": form}, status=400)
    report = _submit(form)
    return render(request, "reports/submitted.html", {"code": report.tracking_code})


def _submit(form: ReportForm) -> Report:
    data = form.cleaned_data
    unit = data.get("unit") or root_unit()
    report_input = ReportInput(
        channel=data["channel"],
        scam_type=data["scam_type"],
        unit=unit,
        description=data.get("description", ""),
        message_text=data.get("message_text", ""),
        indicators=data.get("indicators") or [],
        money_lost=data.get("money_lost"),
        lost_on=data.get("lost_on"),
        contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""),
        contact_email=data.get("contact_email", ""),
        consent_to_contact=bool(data.get("consent_to_contact")),
    )
    files = data.get("evidence") or []
    # A double click sends the same content with the same submission id: one report. Going
    # back, editing and sending again is another report, not a retry (see body_scope).
    report, _created = submit_report(
        data=report_input,
        files=files,
        source=Source.FORM,
        idempotency_scope=body_scope("form", data=report_input, files=files),
        idempotency_key=data.get("submission_id", ""),
    )
    return report


@require_POST
def extract_indicators(request: HttpRequest) -> HttpResponse:
    """htmx: the indicators field, filled from the pasted message (merged with what is there)."""
    if _rate_limited(request, "extract", "REPORTS_EXTRACT_RATE_PER_IP", 60):
        return _too_many(request)
    message = request.POST.get("message_text", "")[:5000]
    current = request.POST.get("indicators", "")[:8000]
    form = ReportForm(initial={"indicators": _merged_lines(current, indicator_lines(message))})
    return render(request, "reports/report_form.html#indicators-field", {"form": form})


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_valid():
        code = clean_tracking_code(form.cleaned_data["code"])
        if code:
            return redirect("reports:track-code", code=code)
        form.add_error("code", _("Mã theo dõi gồm chữ cái và chữ số."))
    return render(request, "reports/track.html", {"form": form})


@never_cache
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    if _rate_limited(request, "track", "REPORTS_TRACK_RATE_PER_IP", 60):
        return _too_many(request)
    code = clean_tracking_code(code)
    context: dict = {"code": code, "form": TrackForm(initial={"code": code})}
    report = Report.objects.filter(tracking_code=code).first()
    if report is not None:
        context["status"] = public_status(report)
        return render(request, "reports/track.html", context)
    appeal = (
        Appeal.objects.filter(tracking_code=code)
        .only("status", "decision_reason", "deadline", "decided_at")
        .first()
    )
    if appeal is not None:
        context["appeal"] = appeal
        return render(request, "reports/track.html", context)
    context["not_found"] = True
    return render(request, "reports/track.html", context, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def appeal_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "reports/appeal_form.html", {"form": AppealForm()})
    form = AppealForm(request.POST, request.FILES)
    if form.is_bot():
        return render(
            request, "reports/submitted.html", {"code": new_tracking_code(), "appeal": True}
        )
    if _rate_limited(request, "appeal", "REPORTS_APPEAL_RATE_PER_IP", 5):
        return _too_many(request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            appeal = file_appeal(
                kind=data["kind"],
                value=data["value"],
                owner_name=data["owner_name"],
                owner_contact=data["owner_contact"],
                explanation=data["explanation"],
                files=data.get("evidence") or [],
            )
        except (WorkflowError, ValueError) as error:
            form.add_error("value", str(error))
        else:
            return render(
                request, "reports/submitted.html", {"code": appeal.tracking_code, "appeal": True}
            )
    return render(request, "reports/appeal_form.html", {"form": form}, status=400)
