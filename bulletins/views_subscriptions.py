"""Public pages of email subscriptions: the form, the confirmation (a button: mail scanners
follow GET links, so only a POST confirms), and the unsubscribe page. The unsubscribe POST is
RFC 8058's one-click: a mail client sends it without a page, a cookie or a CSRF token."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lib.gates import honeypot, rate_limited
from orgs.models import CITIZEN_UNIT_KINDS, Unit, UnitKind

from . import subscriptions
from .models import Subscriber, SubscriberStatus


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Thư điện tử của bạn"), max_length=254)
    unit = forms.ModelChoiceField(
        label=_("Nhận cảnh báo của"),
        queryset=Unit.objects.none(),
        empty_label=None,
        help_text=_("Chọn tỉnh để nhận mọi cảnh báo, hoặc xã, phường nơi bạn sống."),
    )
    # Hidden from people by CSS (class .hp); bots that fill every field fill this one.
    website = forms.CharField(label=_("Để trống ô này"), required=False, max_length=200)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        kinds = {UnitKind.PROVINCE, *CITIZEN_UNIT_KINDS}
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.active().filter(kind__in=kinds).order_by("path")
        self.fields["website"].widget.attrs.update(autocomplete="off", tabindex="-1")


def _check_mail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    # The same page for a bot (honeypot) as for a person: the bot learns nothing.
    return render(request, "bulletins/subscriptions/check_mail.html")


def _too_many(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return render(request, "reports/rate_limited.html", status=429)


@never_cache
@require_http_methods(["GET", "POST"])
@honeypot("website", answer=_check_mail)
@rate_limited(
    "bulletin-subscribe",
    setting="BULLETINS_SUBSCRIBE_RATE_PER_IP",
    default=5,
    refuse=_too_many,
    methods=("POST",),
)
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "bulletins/subscriptions/subscribe.html", {"form": SubscribeForm()})
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "bulletins/subscriptions/subscribe.html", {"form": form}, status=400)
    subscriptions.subscribe(email=form.cleaned_data["email"], unit=form.cleaned_data["unit"])
    return _check_mail(request)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, signed: str) -> HttpResponse:
    subscriber = subscriptions.subscriber_for_confirmation(signed)
    if subscriber is None:
        return render(request, "bulletins/subscriptions/link_expired.html", status=404)
    context: dict[str, object] = {"subscriber": subscriber, "unit": subscriber.mailing_list.unit}
    if request.method == "GET":
        return render(request, "bulletins/subscriptions/confirm.html", context)
    subscriptions.confirm(subscriber=subscriber)
    subscriber.refresh_from_db(fields=["status"])
    context["confirmed"] = subscriber.status == SubscriberStatus.CONFIRMED
    return render(request, "bulletins/subscriptions/confirmed.html", context)


def _subscriber(token: str) -> Subscriber:
    if len(token) > 64:
        raise Http404
    return get_object_or_404(Subscriber.objects.select_related("mailing_list__unit"), token=token)


@csrf_exempt  # RFC 8058: the mail client's POST carries no token; the link's token is the proof
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = _subscriber(token)
    context = {"subscriber": subscriber, "unit": subscriber.mailing_list.unit}
    if request.method == "GET":
        return render(request, "bulletins/subscriptions/unsubscribe.html", context)
    subscriptions.unsubscribe(subscriber=subscriber)
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse(status=200)  # a mail client: no page to show anyone
    return render(request, "bulletins/subscriptions/unsubscribed.html", context)
