import re
from datetime import datetime
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.text import LineField, TextField
from orgs.models import Unit
from orgs.widgets import UnitPickerField

from .models import CODE_ALPHABET, CODE_LENGTH, Lesson, Quiz

_CODE_SEPARATORS = re.compile(r"[\s-]")
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


def clean_certificate_code(raw: str) -> str:
    """The code as printed (spaces, dashes and case do not matter), or "" when it cannot be
    one: nothing else (a NUL, a 5 kB string) is worth a query."""
    code = _CODE_SEPARATORS.sub("", raw or "").upper()
    return code if _CODE.fullmatch(code) else ""


class AssignmentForm(forms.Form):
    title = LineField(label=_("Tên khoá học"), max_length=200)
    unit = UnitPickerField(label=_("Giao cho đơn vị (và các đơn vị trực thuộc)"))
    lessons = forms.ModelMultipleChoiceField(
        label=_("Bài học"),
        queryset=Lesson.objects.published(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quiz = forms.ModelChoiceField(
        label=_("Bài kiểm tra"),
        queryset=Quiz.objects.all(),
        required=False,
        empty_label=_("(không có bài kiểm tra)"),
    )
    deadline = forms.DateTimeField(
        label=_("Hạn hoàn thành"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    note = TextField(
        label=_("Ghi chú cho cán bộ"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # Passed through to Django's Form as they are.
    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only units the manager may act on can be chosen; anything else is "not a valid choice".
        unit_field = cast(UnitPickerField, self.fields["unit"])  # declared just above
        unit_field.queryset = units.order_by("path")

    def clean_deadline(self) -> datetime:
        deadline: datetime = self.cleaned_data["deadline"]
        if deadline <= timezone.now():
            raise forms.ValidationError(_("Hạn hoàn thành phải ở tương lai."))
        return deadline

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("lessons") and not data.get("quiz"):
            raise forms.ValidationError(_("Hãy chọn ít nhất một bài học hoặc một bài kiểm tra."))
        if len(data.get("lessons") or []) > 30:
            raise forms.ValidationError(_("Mỗi lần giao tối đa 30 bài học."))
        return data
