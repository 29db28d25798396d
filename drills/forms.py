"""Forms of the drill staff pages. Choices are scoped to the person's units when built."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit, User

from .models import LandingPage, SendingProfile, Template
from .services import CampaignPlan, at_allowed_domains


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Tên đợt diễn tập"), max_length=200)
    unit = forms.ModelChoiceField(label=_("Đơn vị tổ chức"), queryset=Unit.objects.none())
    template = forms.ModelChoiceField(
        label=_("Mẫu thư"), queryset=Template.objects.filter(is_active=True)
    )
    landing_page = forms.ModelChoiceField(
        label=_("Trang đích"), queryset=LandingPage.objects.filter(is_active=True)
    )
    sending_profile = forms.ModelChoiceField(
        label=_("Cấu hình gửi thư"), queryset=SendingProfile.objects.none()
    )
    target_units = forms.ModelMultipleChoiceField(
        label=_("Đơn vị nhận (cả các đơn vị trực thuộc)"),
        queryset=Unit.objects.none(),
        required=False,
    )
    chosen_people = forms.ModelMultipleChoiceField(
        label=_("Hoặc người nhận được chọn"), queryset=User.objects.none(), required=False
    )
    window_start = forms.DateField(
        label=_("Gửi từ ngày"), widget=forms.DateInput(attrs={"type": "date"})
    )
    window_end = forms.DateField(
        label=_("Gửi đến ngày"), widget=forms.DateInput(attrs={"type": "date"})
    )
    day_start = forms.TimeField(
        label=_("Giờ bắt đầu trong ngày"),
        initial="08:00",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    day_end = forms.TimeField(
        label=_("Giờ kết thúc trong ngày"),
        initial="16:30",
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Thư được rải ngẫu nhiên trong giờ này, chỉ các ngày thứ Hai–thứ Sáu."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = units.active().order_by("path")
        self.fields["unit"].queryset = scope  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["target_units"].queryset = scope  # type: ignore[attr-defined]  # same
        people = (
            User.objects.filter(is_active=True, home_unit__in=units)
            .filter(at_allowed_domains())
            .order_by("username")
        )
        self.fields["chosen_people"].queryset = people  # type: ignore[attr-defined]  # same
        # A profile of a unit above the scope serves it too: offer every profile whose unit
        # is an ancestor of, or inside, one of the person's units.
        paths = list(units.values_list("path", flat=True))
        profiles = [
            p.pk
            for p in SendingProfile.objects.select_related("unit")
            if any(path.startswith(p.unit.path) for path in paths)
        ]
        self.fields["sending_profile"].queryset = SendingProfile.objects.filter(  # type: ignore[attr-defined]  # same
            pk__in=profiles
        )

    def plan(self) -> CampaignPlan:
        data = self.cleaned_data
        return CampaignPlan(
            name=data["name"],
            unit=data["unit"],
            template=data["template"],
            landing_page=data["landing_page"],
            sending_profile=data["sending_profile"],
            target_units=list(data["target_units"]),
            chosen_people=list(data["chosen_people"]),
            window_start=data["window_start"],
            window_end=data["window_end"],
            day_start=data["day_start"],
            day_end=data["day_end"],
        )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Ghi chú"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SendingProfileForm(forms.ModelForm[SendingProfile]):
    """The admin's form of a sending profile. The stored password is never shown back (it is
    not even decrypted for the form); a blank field keeps it, a typed one replaces it."""

    smtp_password = forms.CharField(
        label=_("Mật khẩu SMTP"),
        required=False,
        strip=False,
        max_length=255,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Để trống để giữ mật khẩu hiện có."),
    )
    clear_smtp_password = forms.BooleanField(label=_("Xoá mật khẩu đã lưu"), required=False)

    class Meta:
        model = SendingProfile
        fields = [
            "name", "unit", "smtp_host", "smtp_port", "smtp_username", "smtp_password",
            "clear_smtp_password", "use_tls", "sender_domain",
        ]  # fmt: skip

    def clean_smtp_password(self) -> str:
        value: str = self.cleaned_data.get("smtp_password") or ""
        if not value.isascii():  # smtplib sends AUTH in ASCII: such a password never logs in
            raise forms.ValidationError(_("Mật khẩu SMTP chỉ được gồm ký tự không dấu (ASCII)."))
        return value

    def save(self, commit: bool = True) -> SendingProfile:
        profile = super().save(commit=False)
        if self.cleaned_data.get("smtp_password"):
            profile.set_smtp_password(self.cleaned_data["smtp_password"])
        elif self.cleaned_data.get("clear_smtp_password"):
            profile.set_smtp_password("")
        if commit:
            profile.save()
        return profile
