"""Public pages: the report form, the tracking page and the appeal form. No account needed;
nothing personal is ever shown back."""

from __future__ import annotations

from typing import TypedDict

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lib.gates import honeypot, rate_limited

from .drafts import KeptFile, keep_files
from .forms import AppealForm, KeptEvidenceMixin, ReportForm, TrackForm, indicator_lines
from .models import (
    Appeal,
    PublicStatus,
    Report,
    Source,
    clean_tracking_code,
    new_tracking_code,
    public_status,
)
from .services import WorkflowError, root_unit
from .submission import ReportInput, body_scope, submit_report
from .workflow import file_appeal


def _too_many(request: HttpRequest, /, *args: object, **kwargs: object) -> HttpResponse:
    return render(request, "reports/rate_limited.html", status=429)


def _looks_received(request: HttpRequest, /, *args: object, **kwargs: object) -> HttpResponse:
    # Same answer as a real submission, so that the bot learns nothing; nothing stored.
    return render(request, "reports/submitted.html", {"code": new_tracking_code()})


def _appeal_looks_received(
    request: HttpRequest, /, *args: object, **kwargs: object
) -> HttpResponse:
    context = {"code": new_tracking_code(), "appeal": True}
    return render(request, "reports/submitted.html", context)


def _merged_lines(current: str, found: str) -> str:
    lines = [line.strip() for line in (current or "").splitlines() if line.strip()]
    return "\n".join(dict.fromkeys([*lines, *found.splitlines()]))


class KeptContext(TypedDict, total=False):
    """What a form template needs to show the files kept for the person (drafts.py)."""

    files_refused: bool
    kept_token: str
    kept: list[KeptFile]


def _kept_context(form: KeptEvidenceMixin) -> KeptContext:
    """A form that goes back to the person: keep the files that passed the checks (and those
    kept before) so that they need not be chosen again (drafts.py)."""
    context: KeptContext = {"files_refused": form.has_error("evidence")}
    if form.kept or form.new_files:
        context["kept_token"], context["kept"] = keep_files(kept=form.kept, new=form.new_files)
    return context


def _extract_step(request: HttpRequest) -> HttpResponse:
    """The step without JavaScript: fill the list from the message and show the form again,
    with the chosen files kept."""
    if request.FILES or request.POST.get("kept_evidence"):
        return _extract_keeping_files(request)
    return _extracted_form(request, {"extracted": True})


@rate_limited("extract", setting="REPORTS_EXTRACT_RATE_PER_IP", default=60, refuse=_too_many)
def _extract_keeping_files(request: HttpRequest) -> HttpResponse:
    bound = ReportForm(request.POST, request.FILES)
    bound.is_valid()  # cleans (and checks) the files; the other fields wait for the send
    return _extracted_form(request, {"extracted": True, **_kept_context(bound)})


def _extracted_form(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    typed = {name: request.POST.get(name, "") for name in ReportForm.base_fields}
    for name in ("evidence", "kept_evidence", "drop_kept_evidence"):
        typed.pop(name, None)
    typed["indicators"] = _merged_lines(
        typed["indicators"], indicator_lines(typed["message_text"][:5000])
    )
    initial: dict[str, object] = {
        **typed,
        "consent_to_contact": bool(request.POST.get("consent_to_contact")),
    }
    context["form"] = ReportForm(initial=initial)
    return render(request, "reports/report_form.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "reports/report_form.html", {"form": ReportForm()})
    if request.POST.get("action") == "extract":
        return _extract_step(request)
    return _send_report(request)


@honeypot("website", answer=_looks_received)
@rate_limited("form", setting="REPORTS_FORM_RATE_PER_IP", default=10, refuse=_too_many)
def _send_report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        context = {"form": form, **_kept_context(form)}
        return render(request, "reports/report_form.html", context, status=400)
    # The kept files stay until their draft expires: a double click sends the same reference
    # again and must find them to be recognised as the same report.
    report = _submit(form)
    return render(request, "reports/submitted.html", {"code": report.tracking_code})


def _submit(form: ReportForm) -> Report:
    data = form.cleaned_data
    unit = data.get("unit") or root_unit()
    if unit is None:  # no unit tree yet: the form's unit list would be empty too
        raise ImproperlyConfigured("No unit tree: a report has no unit to go to.")
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
@rate_limited("extract", setting="REPORTS_EXTRACT_RATE_PER_IP", default=60, refuse=_too_many)
def extract_indicators(request: HttpRequest) -> HttpResponse:
    """htmx: the indicators field, filled from the pasted message (merged with what is there)."""
    message = request.POST.get("message_text", "")[:5000]
    current = request.POST.get("indicators", "")[:8000]
    form = ReportForm(initial={"indicators": _merged_lines(current, indicator_lines(message))})
    return render(request, "reports/report_form.html#indicators-field", {"form": form})


# What the reporter may expect after each public status: the page answers "and now?".
NEXT_STEPS = {
    PublicStatus.RECEIVED: gettext_lazy(
        "Cán bộ xác minh của địa phương sẽ xem tố giác của bạn. Bạn không cần làm gì thêm; "
        "hãy quay lại trang này bằng mã theo dõi sau vài ngày."
    ),
    PublicStatus.UNDER_REVIEW: gettext_lazy(
        "Cán bộ đang kiểm tra các dấu hiệu bạn gửi. Nếu bạn đồng ý được liên hệ, cán bộ có thể "
        "gọi điện hoặc gửi email cho bạn."
    ),
    PublicStatus.LISTED: gettext_lazy(
        "Các dấu hiệu đã vào danh sách cảnh báo: ai tra cứu chúng sẽ được cảnh báo. Cảm ơn bạn "
        "đã giúp bảo vệ mọi người."
    ),
    PublicStatus.CLEARED: gettext_lazy(
        "Chưa thấy dấu hiệu lừa đảo. Nếu bạn có thêm bằng chứng, hãy gửi một tố giác mới."
    ),
    PublicStatus.INSUFFICIENT: gettext_lazy(
        "Chưa đủ bằng chứng để cảnh báo. Nếu bạn có thêm ảnh chụp, tin nhắn, hãy gửi một tố "
        "giác mới."
    ),
    PublicStatus.CLOSED: gettext_lazy("Tố giác đã được xử lý xong. Cảm ơn bạn."),
}


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
@rate_limited("track", setting="REPORTS_TRACK_RATE_PER_IP", default=60, refuse=_too_many)
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    code = clean_tracking_code(code)
    context: dict[str, object] = {"code": code, "form": TrackForm(initial={"code": code})}
    report = Report.objects.filter(tracking_code=code).first()
    if report is not None:
        status = public_status(report)
        context["status"] = status
        context["next_step"] = NEXT_STEPS.get(status, "")
        context["received_on"] = timezone.localtime(report.created_at).date()
        return render(request, "reports/track.html", context)
    appeal = (
        Appeal.objects.filter(tracking_code=code)
        .only("status", "decision_reason", "deadline", "decided_at", "created_at")
        .first()
    )
    if appeal is not None:
        context["appeal"] = appeal
        context["received_on"] = timezone.localtime(appeal.created_at).date()
        return render(request, "reports/track.html", context)
    context["not_found"] = True
    return render(request, "reports/track.html", context, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def appeal_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "reports/appeal_form.html", {"form": AppealForm()})
    return _send_appeal(request)


@honeypot("website", answer=_appeal_looks_received)
@rate_limited("appeal", setting="REPORTS_APPEAL_RATE_PER_IP", default=5, refuse=_too_many)
def _send_appeal(request: HttpRequest) -> HttpResponse:
    form = AppealForm(request.POST, request.FILES)
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
    context = {"form": form, **_kept_context(form)}
    return render(request, "reports/appeal_form.html", context, status=400)
