"""The public page that checks a pasted message: /kiem-tra-tin-nhan/.

Works without JavaScript (a plain form POST renders the whole page); with htmx the form swaps in
only the result (the detection/_analysis.html partial, which the lookup app's check page can
include for its own message results).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import ratelimit
from .analysis import analyse_message
from .forms import CheckMessageForm


@never_cache
@require_http_methods(["GET", "POST"])
def check_message(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "detection/check.html", {"form": CheckMessageForm()})
    form = CheckMessageForm(request.POST)
    # htmx swaps only 2xx answers in: its partials say what went wrong with a 200.
    partial = bool(getattr(request, "htmx", False))
    if not ratelimit.allow(request, "check"):
        if partial:
            return render(request, "detection/_rate_limited.html")
        context = {"form": form, "rate_limited": True}
        return render(request, "detection/check.html", context, status=429)
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
