"""Public forms (report, appeal, tracking) and the staff forms of the reports app."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.forms import BoundField
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from indicators.extract import extract
from indicators.kinds import Kind
from indicators.models import Category, Risk
from indicators.normalise import normalise, normalise_any
from lib.amounts import MAX_LENGTH as MAX_AMOUNT_LENGTH
from lib.amounts import AmountError, parse_amount
from lib.text import LineField, TextError, TextField, clean_line
from orgs.widgets import CitizenUnitField

from .drafts import MAX_TOKEN, DraftGone, KeptFile, discard, kept_files
from .evidence import MAX_BYTES, MAX_FILES, CleanFile, clean_uploads
from .importing import FORMATS
from .models import Channel, ScamType

if TYPE_CHECKING:
    from indicators.models import Indicator

    from .workflow import LevelChoice

# A form's cleaned_data, as Django types it (values of any field's type).
CleanedData = dict[str, Any]


# `_(...) % values` in a class body is evaluated at import, in the default language (Vietnamese):
# the English page would show the Vietnamese label. This formats when the label is shown.
def _format(message: str | Promise, values: dict[str, int]) -> str:
    return str(message) % values


_lazy_format = lazy(_format, str)

MAX_INDICATORS = 20
MAX_MONEY = 10**13  # ten thousand billion đồng: beyond any single report
# The form and the API refuse the same dates, amounts and emails: these are their one source.
EARLIEST_LOSS = date(2000, 1, 1)  # before any online scam reported here; 0001-01-01 is a typo


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files; cleaned (checked, re-encoded) into evidence.CleanFile objects."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:  # Any: FileField's own keyword arguments
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp,image/gif,.pdf")

    def clean(self, data: object, initial: object = None) -> list[CleanFile]:
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        return clean_uploads([u for u in uploads if isinstance(u, UploadedFile) and u])


class HoneypotMixin(forms.Form):
    # Hidden from people by CSS (class .hp); bots that fill every field fill this one. The view's
    # lib.gates.honeypot reads it from the post before the form is built.
    website = LineField(
        label=_("Để trống ô này"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class KeptEvidenceMixin(forms.Form):
    """The evidence files kept from an earlier try of the same form (see drafts.py): they count
    with the new ones, unless the person drops them."""

    kept_evidence = LineField(widget=forms.HiddenInput, required=False, max_length=MAX_TOKEN)
    drop_kept_evidence = forms.BooleanField(
        label=_("Bỏ các tệp đã giữ, tôi sẽ chọn lại"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # Any: Form's own arguments
        super().__init__(*args, **kwargs)
        self.kept: list[KeptFile] = []
        self.new_files: list[tuple[str, CleanFile]] = []

    def _merge_evidence(self, data: CleanedData) -> None:
        try:
            kept = kept_files(data.get("kept_evidence", ""))
        except DraftGone:
            self.add_error(
                "evidence",
                _(
                    "Các tệp bạn chọn lúc trước không còn được giữ (quá 2 giờ). Vui lòng chọn lại tệp."
                ),
            )
            return
        if data.get("drop_kept_evidence"):
            discard(kept)
            kept = []
        self.kept = kept
        if self.has_error("evidence"):
            return
        new = data.get("evidence") or []
        names = [getattr(u, "name", "") for u in self.files.getlist("evidence") if u]
        self.new_files = list(zip(names, new, strict=False))
        if len(kept) + len(new) > MAX_FILES:
            self.add_error(
                "evidence",
                _("Chỉ gửi được tối đa %(n)d tệp, kể cả %(kept)d tệp đã giữ.")
                % {"n": MAX_FILES, "kept": len(kept)},
            )
            return
        data["evidence"] = [k.file for k in kept] + new


def parse_money(raw: str) -> int | None:
    """“5.000.000”, “5tr”, “5,5 triệu”, “500k”, “1,2 tỷ” -> đồng (lib.amounts), or ValidationError."""
    try:
        return parse_amount(raw, maximum=MAX_MONEY)
    except AmountError as error:
        raise forms.ValidationError(str(error), code="invalid") from None


def lost_on_error(value: date | None) -> str | None:
    """Why a loss date is refused, or None; the same for the form and the API."""
    if value is None:
        return None
    if value > timezone.localdate():
        return str(_("Ngày mất tiền không thể ở tương lai."))
    if value < EARLIEST_LOSS:
        return str(
            _("Ngày mất tiền không thể trước ngày %(date)s.")
            % {"date": EARLIEST_LOSS.strftime("%d/%m/%Y")}
        )
    return None


def clean_contact_email(raw: str) -> str:
    """The contact email (Django's EmailValidator, as the model field), or ValidationError."""
    value = (raw or "").strip()
    if not value:
        return ""
    try:
        value = clean_line(value)
        validate_email(value)
    except (TextError, ValidationError):
        raise ValidationError(_("Email liên hệ không hợp lệ."), code="invalid") from None
    return value


def found_indicators(text: str) -> list[tuple[str, str]]:
    """(kind, canonical value) of the indicators found in a message, each once, at most
    MAX_INDICATORS: the extractor's values are canonical already."""
    found = extract(text or "")
    # A social profile and the link it came from stand at the same place: keep the profile.
    profiles = {(f.start, f.end) for f in found if f.kind == Kind.SOCIAL_PROFILE}
    pairs = [
        (f.kind.value, f.value)
        for f in found
        if not (f.kind == Kind.URL and (f.start, f.end) in profiles)
    ]
    return list(dict.fromkeys(pairs[:MAX_INDICATORS]))


def indicator_lines(text: str) -> str:
    """The indicators found in a message, one per line, for the editable list."""
    return "\n".join(dict.fromkeys(value for _kind, value in found_indicators(text)))


def parse_indicator_lines(text: str) -> list[tuple[str, str]]:
    """(kind, canonical value) for each line, or ValidationError naming every bad line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_INDICATORS:
        raise forms.ValidationError(_("Tối đa %(n)d dấu hiệu mỗi tố giác.") % {"n": MAX_INDICATORS})
    result, errors = [], []
    for line in lines:
        try:
            kind, value = normalise_any(line[:2048])
        except ValueError as error:
            errors.append(
                forms.ValidationError(_("“%(line)s”: %(why)s") % {"line": line[:80], "why": error})
            )
        else:
            result.append((kind.value, value))
    if errors:
        raise forms.ValidationError(errors)
    return result


class ReportForm(KeptEvidenceMixin, HoneypotMixin):
    channel = forms.ChoiceField(
        label=_("Bạn bị lừa hoặc bị mời chào qua đâu?"), choices=[("", "—"), *Channel.choices]
    )
    scam_type = forms.ChoiceField(
        label=_("Hình thức lừa đảo"), choices=[("", "—"), *ScamType.choices]
    )
    description = TextField(
        label=_("Chuyện gì đã xảy ra?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    message_text = TextField(
        label=_("Dán tin nhắn, nội dung cuộc trò chuyện (nếu có)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    indicators = TextField(
        label=_(
            "Số điện thoại, số tài khoản, đường dẫn, email của kẻ lừa đảo (mỗi dòng một giá trị)"
        ),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3, "autocapitalize": "none", "spellcheck": "false"}),
        help_text=_("Bấm “Tìm dấu hiệu” để lấy tự động từ tin nhắn đã dán, rồi sửa nếu cần."),
    )
    money_lost = LineField(
        label=_("Số tiền đã mất (đồng)"),
        required=False,
        max_length=MAX_AMOUNT_LENGTH,
        # Free text, not inputmode=numeric: “5 triệu” and “500k” need letters.
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Ví dụ: 5.000.000, 5tr, 5,5 triệu, 500k."),
    )
    lost_on = forms.DateField(
        label=_("Ngày mất tiền"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    unit = CitizenUnitField(
        label=_("Bạn sống ở xã, phường nào?"),
        required=False,
        help_text=_(
            "Gõ vài chữ của tên rồi chọn trong danh sách; để trống nếu không muốn cho biết."
        ),
    )
    evidence = EvidenceField(
        label=_lazy_format(
            _("Ảnh chụp màn hình hoặc tệp PDF (tối đa %(n)d tệp, mỗi tệp %(mb)d MB)"),
            {"n": MAX_FILES, "mb": MAX_BYTES // (1024 * 1024)},
        ),
    )
    contact_name = LineField(label=_("Họ tên"), required=False, max_length=100)
    contact_phone = LineField(
        label=_("Số điện thoại"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_email = LineField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent_to_contact = forms.BooleanField(
        label=_("Tôi đồng ý để cán bộ xác minh liên hệ với tôi về tố giác này"), required=False
    )
    submission_id = LineField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # Any: Form's own arguments
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_id", secrets.token_urlsafe(24))

    def clean_money_lost(self) -> int | None:
        return parse_money(self.cleaned_data.get("money_lost", ""))

    def clean_lost_on(self) -> date | None:
        value = self.cleaned_data.get("lost_on")
        if error := lost_on_error(value):
            raise forms.ValidationError(error)
        return value

    def clean_contact_email(self) -> str:
        return clean_contact_email(self.cleaned_data.get("contact_email", ""))

    def clean_indicators(self) -> list[tuple[str, str]]:
        return parse_indicator_lines(self.cleaned_data.get("indicators", ""))

    def clean_contact_phone(self) -> str:
        raw = self.cleaned_data.get("contact_phone", "").strip()
        if not raw:
            return ""
        try:
            return normalise(Kind.PHONE, raw)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self) -> CleanedData:
        super().clean()
        data = self.cleaned_data
        self._merge_evidence(data)
        if (
            not data.get("indicators")
            and not self.errors.get("indicators")
            and data.get("message_text")
        ):
            # Left empty: take what the message contains (the citizen did not edit a list).
            data["indicators"] = parse_indicator_lines(indicator_lines(data["message_text"]))
        if not (data.get("description") or data.get("message_text") or data.get("indicators")):
            if not self.errors.get("indicators"):
                raise forms.ValidationError(
                    _(
                        "Hãy kể lại sự việc, dán tin nhắn hoặc ghi ít nhất một số điện thoại, số tài khoản hay đường dẫn."
                    )
                )
        if data.get("consent_to_contact") and not (
            data.get("contact_phone") or data.get("contact_email")
        ):
            self.add_error(
                "contact_phone",
                _("Để được liên hệ, hãy ghi số điện thoại hoặc email."),
            )
        return data


class TrackForm(forms.Form):
    code = LineField(
        label=_("Mã theo dõi"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


class AppealForm(KeptEvidenceMixin, HoneypotMixin):
    kind = forms.ChoiceField(label=_("Loại"), choices=Kind.choices)
    value = LineField(label=_("Giá trị đang bị cảnh báo"), max_length=2048)
    owner_name = LineField(label=_("Họ tên hoặc tên tổ chức của chủ sở hữu"), max_length=200)
    owner_contact = LineField(label=_("Số điện thoại hoặc email để nhận trả lời"), max_length=254)
    explanation = TextField(
        label=_("Vì sao đề nghị gỡ khỏi danh sách? Bạn là chủ sở hữu như thế nào?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    evidence = EvidenceField(
        label=_lazy_format(
            _("Giấy tờ chứng minh: ảnh hoặc PDF (tối đa %(n)d tệp, mỗi tệp %(mb)d MB)"),
            {"n": MAX_FILES, "mb": MAX_BYTES // (1024 * 1024)},
        ),
    )

    def clean(self) -> CleanedData:
        super().clean()
        data = self.cleaned_data
        self._merge_evidence(data)
        if data.get("kind") and data.get("value"):
            try:
                data["value"] = normalise(data["kind"], data["value"])
            except ValueError as error:
                self.add_error("value", str(error))
        return data


# --- staff -----------------------------------------------------------------------------------


class ProposeListingForm(forms.Form):
    category = forms.ChoiceField(label=_("Phân loại"), choices=Category.choices)
    risk = forms.ChoiceField(label=_("Mức rủi ro"), choices=Risk.choices, initial=Risk.HIGH)
    public_reason = TextField(
        label=_("Lý do công bố (tiếng Việt, người dân sẽ đọc)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expires_at = forms.DateField(
        label=_("Hết hạn ngày (để trống nếu không hết hạn)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self, *args: Any, level_choices: Iterable[LevelChoice] = (), **kwargs: Any
    ) -> None:
        """level_choices: workflow.level_choices of the case's URL indicators. Each URL whose
        host may be listed gets a choice of level (field "level-<id>"), its default selected."""
        super().__init__(*args, **kwargs)
        self.url_only: list[Indicator] = []
        self.level_fields: list[BoundField] = []
        for choice in level_choices:
            if choice.domain is None:
                self.url_only.append(choice.indicator)
                continue
            name = f"level-{choice.indicator.pk}"
            self.fields[name] = forms.ChoiceField(
                label=choice.indicator.value,
                choices=[
                    ("domain", _("Cả tên miền %(domain)s") % {"domain": choice.domain}),
                    ("url", _("Chỉ đường dẫn này")),
                ],
                initial=choice.default,
                required=False,
                widget=forms.RadioSelect,
            )
            self.level_fields.append(self[name])

    def levels(self) -> dict[int, str]:
        """The level chosen for each URL indicator (id); none chosen: the default applies."""
        prefix = "level-"
        return {
            int(name.removeprefix(prefix)): value
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and value
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp (CSV, JSON hoặc danh sách, tối đa 5 MB)"), required=False)
    text = TextField(
        label=_("Hoặc dán vào đây"),
        required=False,
        max_length=500_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    fmt = forms.ChoiceField(
        label=_("Định dạng"),
        choices=[("list", _("Danh sách, mỗi dòng một giá trị")), ("csv", "CSV"), ("json", "JSON")],
    )
    source = LineField(label=_("Nguồn"), max_length=200)
    category = forms.ChoiceField(
        label=_("Phân loại mặc định"), choices=Category.choices, initial=Category.SCAM
    )
    risk = forms.ChoiceField(
        label=_("Mức rủi ro mặc định"), choices=Risk.choices, initial=Risk.HIGH
    )
    dry_run = forms.BooleanField(
        label=_("Chạy thử: chỉ cho biết sẽ thay đổi gì, chưa ghi"), required=False, initial=True
    )

    def clean(self) -> CleanedData:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if upload:
            if upload.size > 5 * 1024 * 1024:
                self.add_error("file", _("Tệp quá lớn (tối đa 5 MB)."))
                return data
            data["payload"] = upload.read()
        elif data.get("text"):
            data["payload"] = data["text"]
        else:
            raise forms.ValidationError(_("Hãy chọn tệp hoặc dán dữ liệu."))
        if data.get("fmt") not in FORMATS:
            self.add_error("fmt", _("Định dạng không hợp lệ."))
        return data
