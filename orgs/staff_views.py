"""Unit admins' staff pages: partner API keys (issue, list, revoke) and accounts protected after
failed sign-ins (unlock). Both need MANAGE_UNITS and reach only the admin's units and below."""

from typing import TypedDict

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from . import staff_services
from .access import AuthenticatedHttpRequest, staff_required, units_for
from .models import PartnerKey, Permission
from .partner_forms import IssuePartnerKeyForm


class _KeyListContext(TypedDict):
    form: IssuePartnerKeyForm
    keys: QuerySet[PartnerKey]


def _key_list_context(
    request: AuthenticatedHttpRequest, form: IssuePartnerKeyForm
) -> _KeyListContext:
    keys = staff_services.partner_keys_for(request.user).order_by(
        "revoked_at", "-created_at", "-pk"
    )
    return {"form": form, "keys": keys}


def _issue_form(request: AuthenticatedHttpRequest) -> IssuePartnerKeyForm:
    units = units_for(request.user, Permission.MANAGE_UNITS).order_by("path")
    return IssuePartnerKeyForm(request.POST or None, units=units)


@never_cache
@staff_required(Permission.MANAGE_UNITS)
@require_http_methods(["GET", "POST"])
@sensitive_variables("raw")
def partner_keys(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The list and the issue form. After issuing, the raw key is rendered in this one answer
    (never stored, redirected with, or put in a message, which would keep it in the session)."""
    form = _issue_form(request)
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "orgs/partner_keys.html", _key_list_context(request, form), status=400
            )
        key, raw = staff_services.issue_partner_key(
            actor=request.user,
            name=form.cleaned_data["name"],
            unit=form.cleaned_data["unit"],
            rate_per_minute=form.cleaned_data["rate_per_minute"],
        )
        response = render(request, "orgs/partner_keys_issued.html", {"key": key, "raw": raw})
        response["Referrer-Policy"] = "no-referrer"
        return response
    return render(request, "orgs/partner_keys.html", _key_list_context(request, form))


@staff_required(Permission.MANAGE_UNITS)
@require_http_methods(["GET", "POST"])
def partner_key_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST revokes. A key outside the admin's units does not exist here."""
    key = get_object_or_404(staff_services.partner_keys_for(request.user), pk=pk)
    if request.method == "POST":
        if staff_services.revoke_partner_key(actor=request.user, key=key):
            messages.success(
                request,
                _("Đã thu hồi khoá %(prefix)s… của %(name)s.")
                % {"prefix": key.prefix, "name": key.name},
            )
        else:
            messages.info(request, _("Khoá này đã bị thu hồi từ trước."))
        return redirect("partner-keys")
    return render(request, "orgs/partner_keys_revoke.html", {"key": key})


@never_cache
@staff_required(Permission.MANAGE_UNITS)
def locked_accounts(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = staff_services.locked_accounts(request.user)
    return render(request, "orgs/unlock.html", {"accounts": accounts})


@staff_required(Permission.MANAGE_UNITS)
@require_POST
def unlock_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Unlock one account of the admin's scope (a name outside it is answered as unknown)."""
    username = request.POST.get("username", "")[:150]
    person = get_object_or_404(staff_services.people_in_scope(request.user), username=username)
    staff_services.unlock_person(actor=request.user, person=person)
    messages.success(
        request,
        _("Đã mở khoá tài khoản %(name)s: người này đăng nhập lại được ngay.")
        % {"name": person.get_username()},
    )
    return redirect("unlock-accounts")
