"""Admins enter the Zalo OA and Facebook Page credentials here. They are stored encrypted
(bulletins/crypto.py) and never shown again: the page shows only that they are saved, when and
by whom, and the last error the service answered (a refused token is shown there)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from orgs.access import require_unit, staff_required
from orgs.models import Permission, Unit, User

from . import outbox
from .channels.accounts import save_credentials, set_enabled
from .models import ChannelAccount, ChannelKey

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _secret(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.CharField:
    """A secret's field: typed in, never shown back (the saved value is not in the page)."""
    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
    return forms.CharField(
        label=label, max_length=2000, required=required, help_text=help_text, widget=widget
    )


class FacebookForm(forms.Form):
    page_id = forms.RegexField(
        label=gettext_lazy("Mã Trang (Page ID)"),
        regex=r"^\d{5,25}$",
        error_messages={"invalid": gettext_lazy("Mã Trang chỉ gồm chữ số.")},
    )
    page_token = _secret(gettext_lazy("Mã truy cập của Trang (Page access token)"))


class ZaloForm(forms.Form):
    app_id = forms.RegexField(
        label=gettext_lazy("Mã ứng dụng (App ID)"),
        regex=r"^\d{1,25}$",
        error_messages={"invalid": gettext_lazy("Mã ứng dụng chỉ gồm chữ số.")},
    )
    secret_key = _secret(gettext_lazy("Khoá bí mật của ứng dụng (secret key)"))
    access_token = _secret(gettext_lazy("Mã truy cập của OA (access token)"))
    refresh_token = _secret(gettext_lazy("Mã làm mới (refresh token)"))
    # The tipline's webhook checks each event's MAC with it; without it, it refuses them all.
    # Each save replaces every stored value: an empty field here closes the webhook.
    oa_secret_key = _secret(
        gettext_lazy("Khoá bí mật của OA cho webhook (OA secret key)"),
        required=False,
        help_text=gettext_lazy(
            "Mỗi lần lưu phải nhập lại; để trống thì đường dây tố giác qua Zalo ngừng nhận tin."
        ),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Cách gửi"),
        choices=[
            ("broadcast", gettext_lazy("Gửi bài viết tới người quan tâm (broadcast)")),
            ("followers", gettext_lazy("Nhắn tin từng người quan tâm (OA không có broadcast)")),
        ],
    )


FORMS: dict[str, type[forms.Form]] = {ChannelKey.FACEBOOK: FacebookForm, ChannelKey.ZALO: ZaloForm}


def _require_province(user: User) -> None:
    """The accounts speak for the whole province: only an admin of the root unit sets them."""
    root = Unit.objects.get_root_nodes().first()
    if root is None:
        raise Http404
    require_unit(user, Permission.MANAGE_UNITS, root)


def _rows() -> list[dict[str, object]]:
    accounts = {a.key: a for a in ChannelAccount.objects.select_related("saved_by")}
    return [
        {"key": key, "label": label, "account": accounts.get(key)}
        for key, label in ChannelKey.choices
    ]


@never_cache
@staff_required(Permission.MANAGE_UNITS)
def channel_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    _require_province(request.user)
    return render(request, "bulletins/channels/list.html", {"rows": _rows()})


@never_cache
@staff_required(Permission.MANAGE_UNITS)
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, key: str) -> HttpResponse:
    assert isinstance(request.user, User)
    _require_province(request.user)
    form_class = FORMS.get(key)
    if form_class is None:
        raise Http404
    label = ChannelKey(key).label
    if request.method == "POST" and request.POST.get("action") in ("enable", "disable"):
        enabled = request.POST["action"] == "enable"
        set_enabled(key=key, enabled=enabled)
        if enabled:
            outbox.resume_waiting(channel=key)
        return redirect("bulletins:channels")
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        save_credentials(key=key, values=form.cleaned_data, by=request.user)
        # The posts that waited for these credentials go out now, not at the next retry.
        outbox.resume_waiting(channel=key)
        messages.success(request, _("Đã lưu thông tin của %(channel)s.") % {"channel": label})
        return redirect("bulletins:channels")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "key": key, "label": label}
    return render(request, "bulletins/channels/edit.html", context, status=status)
