"""The public page that checks a pasted message: /kiem-tra-tin-nhan/, and the staff model card.

Works without JavaScript (a plain form POST renders the whole page); with htmx the form swaps in
only the result (the detection/_analysis.html partial, which the lookup app's check page can
include for its own message results).
"""

from typing import TypedDict

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from lib.gates import rate_limited
from orgs.access import staff_required
from orgs.models import Permission

from .analysis import analyse_message
from .forms import CheckMessageForm
from .models import VERIFIER_GROUP, DetectorModel
from .ratelimit import REQUESTS_PER_MINUTE

RECENT_RUNS = 20


def _too_many(request: HttpRequest) -> HttpResponse:
    # htmx swaps only 2xx answers in: its partials say what went wrong with a 200.
    if getattr(request, "htmx", False):
        return render(request, "detection/_rate_limited.html")
    context = {"form": CheckMessageForm(request.POST), "rate_limited": True}
    return render(request, "detection/check.html", context, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited(
    "detection-check",
    setting="DETECTION_RATE_PER_MINUTE",
    default=REQUESTS_PER_MINUTE,
    refuse=_too_many,
    methods=("POST",),
)
def check_message(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "detection/check.html", {"form": CheckMessageForm()})
    form = CheckMessageForm(request.POST)
    partial = bool(getattr(request, "htmx", False))
    if not form.is_valid():
        if partial:
            return render(request, "detection/_form_errors.html", {"form": form})
        return render(request, "detection/check.html", {"form": form}, status=400)
    analysis = analyse_message(
        form.cleaned_data["text"], sender_type=form.cleaned_data["sender_type"] or None
    )
    context = {"form": form, "analysis": analysis}
    if partial:
        return render(request, "detection/_analysis.html", context)
    return render(request, "detection/check.html", context)


class SourceRow(TypedDict):
    """One source of the model's training messages, as the model card shows it."""

    name: str
    imported: bool
    train: int
    holdout: int


def _source_rows(model: DetectorModel | None) -> list[SourceRow]:
    """The model's training counts by source, with names people understand."""
    if model is None:
        return []
    names = {"seed": _("Kho tin mẫu của nhóm phát triển"), VERIFIER_GROUP: _("Cán bộ xác minh")}
    rows: list[SourceRow] = [
        {
            "name": str(names.get(source, source)),
            "imported": source not in names,
            "train": counts.get("train", 0),
            "holdout": counts.get("holdout", 0),
        }
        for source, counts in (model.sources or {}).items()
    ]
    return sorted(rows, key=lambda row: (row["imported"], -row["train"]))


@staff_required(Permission.VERIFY_REPORTS)
@require_GET
def model_card(request: HttpRequest) -> HttpResponse:
    """What the classifier in use learnt from and how well it does. One model serves the whole
    platform (every unit's checks and queue), and the page shows only counts and scores, never
    a message: every verifier, whatever their unit, sees the same card."""
    runs = DetectorModel.objects.select_related("replaced").defer("blob", "replaced__blob")
    active = next((run for run in runs.filter(active=True)[:1]), None)
    context = {
        "active": active,
        "replaced": active.replaced if active else None,
        "sources": _source_rows(active),
        "runs": runs.order_by("-id")[:RECENT_RUNS],
    }
    return render(request, "detection/model_card.html", context)
