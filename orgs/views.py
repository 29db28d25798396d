from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import lockout
from .access import (
    AuthenticatedHttpRequest,
    permissions_of,
    require_unit,
    staff_required,
    units_for,
)
from .forms import SignInForm, TokenForm, UnitImportForm
from .menu import actions_for
from .models import Permission, Unit
from .services import UnitImportError, export_units_csv, import_units_csv
from .totp import qr_svg, totp_secret


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        if user.needs_otp:
            target = "otp-verify" if user_has_device(user) else "otp-setup"
            response = redirect(f"{reverse(target)}?{urlencode({'next': _next_url(request)})}")
        else:
            response = redirect(_next_url(request) or "staff-home")
        lockout.remember_device(request=request, response=response, username=user.get_username())
        return response
    if until := lockout.refused_until(request):
        return _account_protected(request, until)
    return render(request, "orgs/login.html", {"form": form, "next": _next_url(request)})


def _account_protected(request: HttpRequest, until: datetime) -> HttpResponse:
    seconds = max(int((until - lockout.now()).total_seconds()), 1)
    context = {"minutes": -(-seconds // 60)}
    response = render(request, "orgs/account_protected.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("home")


def _token_error(device: TOTPDevice, token: str) -> str | None:
    """None when `token` is right for `device`; otherwise what to tell the person."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return _("Bạn đã nhập sai nhiều lần. Hãy đợi vài giây rồi thử lại với mã mới.")
    if device.verify_token(token):
        return None
    return _("Mã không đúng hoặc đã hết hạn. Hãy thử mã mới.")


@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in of a role that needs TOTP: show a secret, confirm it with one code."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user_has_device(request.user):
        return redirect("otp-verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="TOTP", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = _token_error(device, form.cleaned_data["token"])
        if error is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Đã bật xác thực hai lớp."))
            return redirect(_next_url(request) or "staff-home")
        form.add_error("token", error)
    context = {
        "form": form,
        "secret": totp_secret(device),
        "qr": qr_svg(device.config_url),
        "next": _next_url(request),
    }
    return render(request, "orgs/otp_setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user_has_device(request.user):
        return redirect("otp-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).first()
        error = _token_error(device, form.cleaned_data["token"])
        if error is None:
            otp_login(request, device)
            return redirect(_next_url(request) or "staff-home")
        form.add_error("token", error)
    return render(request, "orgs/otp_verify.html", {"form": form, "next": _next_url(request)})


@staff_required()
def staff_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    held = permissions_of(request.user)
    context = {
        "permissions": [p for p in Permission if p in held],
        "actions": actions_for(held),
        "assignments": request.user.role_assignments.select_related("unit").order_by("unit__path"),
    }
    return render(request, "orgs/staff_home.html", context)


@staff_required(Permission.VIEW_UNIT)
def unit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = units_for(request.user, Permission.VIEW_UNIT).order_by("path")
    return render(request, "orgs/unit_list.html", {"units": units})


@staff_required(Permission.VIEW_UNIT)
def unit_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(Unit, code=code)
    require_unit(request.user, Permission.VIEW_UNIT, unit)
    members = unit.members.filter(is_active=True).order_by("last_name", "first_name")
    return render(request, "orgs/unit_detail.html", {"unit": unit, "members": members})


@staff_required(Permission.MANAGE_UNITS)
def unit_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    csv_text = export_units_csv(units_for(request.user, Permission.MANAGE_UNITS))
    response = HttpResponse(csv_text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="don-vi.csv"'
    return response


@staff_required(Permission.MANAGE_UNITS)
@require_http_methods(["GET", "POST"])
def unit_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UnitImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        allowed = None
        if not request.user.is_superuser:
            allowed = set(
                units_for(request.user, Permission.MANAGE_UNITS).values_list("code", flat=True)
            )
        try:
            result = import_units_csv(text=form.cleaned_data["file"], allowed_codes=allowed)
        except UnitImportError as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Đã nhập: thêm %(created)d, đổi tên %(renamed)d đơn vị.")
                % {"created": len(result.created), "renamed": len(result.renamed)},
            )
            return redirect("unit-list")
    status = 400 if errors else 200
    return render(request, "orgs/unit_import.html", {"form": form, "errors": errors}, status=status)
