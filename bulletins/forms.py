"""Editors' forms: a bulletin's text (with the fact-check fields), an image, a publication."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from lib.text import LineField, TextField
from orgs.models import Unit
from reports.models import ScamType

from .images import MAX_UPLOAD_BYTES
from .models import Kind, Rating
from .services import Content, SourceInput

MAX_SOURCES = 20


def parse_sources(text: str) -> list[SourceInput]:
    """One source a line: `address date [name]`, the date as YYYY-MM-DD or DD/MM/YYYY."""
    sources = []
    check_url = URLValidator(schemes=["http", "https"])
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split(maxsplit=2)
        if not parts:
            continue
        if len(parts) < 2:
            raise ValidationError(
                _("Dòng %(n)d: cần địa chỉ và ngày đăng của nguồn."), params={"n": number}
            )
        try:
            check_url(parts[0])
            published_on = _parse_date(parts[1])
        except (ValidationError, ValueError) as exc:
            raise ValidationError(
                _("Dòng %(n)d: địa chỉ hoặc ngày không hợp lệ."), params={"n": number}
            ) from exc
        sources.append(SourceInput(parts[0], published_on, parts[2] if len(parts) > 2 else ""))
    if len(sources) > MAX_SOURCES:
        raise ValidationError(_("Tối đa %(n)d nguồn."), params={"n": MAX_SOURCES})
    return sources


def _parse_date(value: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def format_sources(sources: list[SourceInput]) -> str:
    return "\n".join(f"{s.url} {s.published_on:%Y-%m-%d} {s.title}".rstrip() for s in sources)


class BulletinForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại bản tin"), choices=Kind.choices)
    unit = forms.ModelChoiceField(label=_("Đơn vị đăng"), queryset=Unit.objects.none())
    units = forms.ModelMultipleChoiceField(
        label=_("Đơn vị liên quan"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Để trống: chỉ đơn vị đăng."),
    )
    scam_type = forms.ChoiceField(
        label=_("Hình thức lừa đảo"), choices=[("", "—"), *ScamType.choices], required=False
    )
    tags = LineField(
        label=_("Thẻ"), max_length=400, required=False, help_text=_("Cách nhau bằng dấu phẩy.")
    )
    title = LineField(label=_("Tiêu đề"), max_length=200)
    summary = TextField(label=_("Tóm tắt"), max_length=400)
    body_markdown = TextField(
        label=_("Nội dung"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Viết bằng Markdown: **đậm**, *nghiêng*, [liên kết](https://...), - danh sách."
        ),
    )
    correction_note = TextField(label=_("Ghi chú đính chính"), max_length=2000, required=False)
    claim = TextField(label=_("Thông tin được kiểm chứng"), max_length=2000, required=False)
    appeared_where = LineField(label=_("Xuất hiện ở đâu"), max_length=300, required=False)
    appeared_when = forms.DateField(
        label=_("Xuất hiện ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    rating = forms.ChoiceField(
        label=_("Kết luận"), choices=[("", "—"), *Rating.choices], required=False
    )
    sources = TextField(
        label=_("Nguồn công khai"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mỗi dòng một nguồn: địa chỉ, ngày đăng (YYYY-MM-DD), tên nguồn."),
    )

    def __init__(self, *args: Any, units: Any, correction: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        self.fields["correction_note"].required = correction
        if not correction:
            del self.fields["correction_note"]

    def clean_sources(self) -> list[SourceInput]:
        return parse_sources(self.cleaned_data.get("sources") or "")

    def clean_tags(self) -> list[str]:
        return [t for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == Kind.FACT_CHECK:
            for name in ("claim", "rating", "sources"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Bài kiểm chứng cần mục này."))
        return data

    def content(self) -> Content:
        data = self.cleaned_data
        return Content(
            title=data["title"],
            summary=data["summary"],
            body_markdown=data["body_markdown"],
            correction_note=data.get("correction_note", ""),
            claim=data.get("claim", ""),
            appeared_where=data.get("appeared_where", ""),
            appeared_when=data.get("appeared_when"),
            rating=data.get("rating", ""),
            sources=data.get("sources") or [],
        )


class ImageForm(forms.Form):
    # A plain file field: bulletins.images decodes and checks it once, with its own messages
    # (an ImageField would open it with Pillow a first time).
    image = forms.FileField(
        label=_("Ảnh"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    alt = LineField(label=_("Mô tả ảnh (cho người khiếm thị)"), max_length=300)

    def clean_image(self) -> Any:
        image = self.cleaned_data["image"]
        if image.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("Ảnh quá lớn (tối đa 8 MB)."))
        return image


class PublishForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Đăng lúc (giờ Việt Nam)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Để trống: đăng ngay."),
    )  # read in TIME_ZONE, which is Asia/Ho_Chi_Minh
