"""The form of the unit admins' partner-keys page (orgs/staff_views.py): issuing a key."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from .models import UnitQuerySet
from .widgets import UnitPickerField

MAX_RATE_PER_MINUTE = 100_000


class IssuePartnerKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Tên đối tác"),
        max_length=200,
        help_text=_(
            "Ví dụ: Nhà mạng A — máy chủ DNS. Khoá được cấp cho một hệ thống, không phải một người."
        ),
    )
    unit = UnitPickerField(
        label=_("Đơn vị quản lý khoá"),
        help_text=_("Gõ vài chữ của tên hoặc mã đơn vị rồi chọn trong danh sách."),
    )
    rate_per_minute = forms.IntegerField(
        label=_("Giới hạn yêu cầu mỗi phút"),
        min_value=1,
        max_value=MAX_RATE_PER_MINUTE,
        initial=600,
        help_text=_("Mỗi ứng dụng (tra cứu, tố giác) đếm riêng các yêu cầu dùng khoá này."),
    )

    # Besides `units` (those the admin manages), what forms.Form takes (data, initial, ...).
    def __init__(self, *args: Any, units: UnitQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(UnitPickerField, self.fields["unit"]).queryset = units  # declared above
        for field in self.fields.values():
            field.error_messages["required"] = _("Hãy điền mục này.")
        self.fields["rate_per_minute"].error_messages.update(
            {
                "invalid": _("Hãy nhập một số nguyên."),
                "min_value": _("Giới hạn ít nhất là 1 yêu cầu mỗi phút."),
                "max_value": _("Giới hạn nhiều nhất là %(limit_value)s yêu cầu mỗi phút."),
            }
        )
        self.fields["unit"].error_messages["not_offered"] = _(
            "Đơn vị “%(value)s” không thuộc phạm vi bạn quản lý."
        )
        self.fields["name"].validators = [
            ProhibitNullCharactersValidator(
                message=_("Văn bản chứa ký tự NUL (U+0000), không được phép.")
            )
            if isinstance(v, ProhibitNullCharactersValidator)
            else v
            for v in self.fields["name"].validators
        ]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Hãy điền tên đối tác."))
        return name
