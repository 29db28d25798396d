"""The Django admin as Cảnh Giác's: its own titles, and a TOTP sign-in form in Vietnamese.

Django's own admin strings come from its Vietnamese catalogue (LANGUAGE_CODE is "vi");
django-otp ships no Vietnamese catalogue, so its field label and error messages are set here
with the project's Vietnamese msgids (English in locale/en, as everywhere else)."""

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.forms import OTPAuthenticationFormMixin


class AdminSignInForm(OTPAdminAuthenticationForm):
    otp_device = forms.CharField(label=_("Thiết bị xác thực"), required=False, widget=forms.Select)
    otp_token = forms.CharField(
        label=_("Mã xác thực 6 số"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": _("Hãy nhập mã xác thực 6 số trong ứng dụng xác thực."),
        "invalid_token": _("Mã xác thực không đúng hoặc đã hết hạn. Hãy thử mã mới."),
        "verification_not_allowed": _("Tạm thời chưa kiểm tra được mã. Hãy thử lại sau."),
        "device_required": _("Hãy chọn thiết bị xác thực."),
    }

    def clean_otp(self, user: AbstractBaseUser | None) -> None:
        # django-otp asks which device to check; with one device (the TOTP app every staff member
        # sets up) there is nothing to ask, so the code is checked at the first try.
        if user is not None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True))
            if len(devices) == 1:
                self.cleaned_data["otp_device"] = devices[0].persistent_id
        super().clean_otp(user)


class CanhGiacAdminSite(OTPAdminSite):
    """OTPAdminSite (every admin page needs the second factor) with the project's titles."""

    site_header = _("Cảnh Giác — quản trị")
    site_title = _("Cảnh Giác — quản trị")
    index_title = _("Quản trị hệ thống")
    login_form = AdminSignInForm
    login_template = "admin/canhgiac_login.html"
