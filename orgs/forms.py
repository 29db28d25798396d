from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from treebeard.forms import MoveNodeForm, movenodeform_factory

from .models import NEW_UNIT_KINDS, Unit, UnitKind
from .services import MAX_CSV_BYTES

# Django's own message is not translated to Vietnamese; lib.text says the same for every field.
_NUL = ProhibitNullCharactersValidator(
    message=_("Văn bản chứa ký tự NUL (U+0000), không được phép.")
)


def _vietnamese_nul(form: forms.Form) -> None:
    for field in form.fields.values():
        field.validators = [
            _NUL if isinstance(v, ProhibitNullCharactersValidator) else v for v in field.validators
        ]


# The constructors below take what their Django base class takes (request, data, initial, ...).
class SignInForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _vietnamese_nul(self)


class TokenForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _vietnamese_nul(self)

    token = forms.CharField(
        label=_("Mã xác thực 6 số"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Mã xác thực chỉ gồm chữ số."))
        return token


class UnitImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV (cột code, parent_code, kind, name)"))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 2 MB)."))
        try:
            text: str = upload.read().decode("utf-8")
            return text
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("Tệp phải là CSV mã hoá UTF-8.")) from exc


class _TodaysKindsForm(MoveNodeForm[Unit]):
    """The admin's unit form: a new unit is one of today's kinds; a district (before 1 July
    2025) keeps its kind when it is edited, but no new district can be made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not (self.instance.pk and self.instance.kind == UnitKind.DISTRICT):
            # A model field with choices has a choice field in the form.
            kind = cast(forms.ChoiceField, self.fields["kind"])
            kind.choices = [(k.value, k.label) for k in NEW_UNIT_KINDS]


UnitAdminForm = movenodeform_factory(
    Unit, form=_TodaysKindsForm, exclude=["successor", "merged_at"]
)
