"""One policy for the text that comes in, through forms, the JSON API and the normalisers.

clean_text(value, multiline=...) returns the text in NFC, or raises TextError (a ValueError whose
message is Vietnamese) naming the first character it refuses. What is refused, and why:

- NUL: PostgreSQL cannot store it in a text column (the query fails: a 500 where SQLite would
  quietly store it). Refused everywhere.
- Other C0 and C1 control characters (U+0001-U+001F, U+007F-U+009F): nobody types them; they
  come from broken clients or from attempts to spoil logs, CSV exports and terminals. Multi-line
  text keeps tab and line feed, and a carriage return (browsers send a textarea's line breaks as
  CR LF) becomes a line feed.
- Lone surrogates (U+D800-U+DFFF): JSON can carry "\\ud800", Python keeps it, and it cannot be
  encoded in UTF-8 (the database driver fails). Refused everywhere.
- Bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) reverse or
  isolate the text that follows: "moc.elgoog" shown as "google.com". Refused in single-line
  text (names, indicators, codes). Free multi-line text (a description, a pasted scam message)
  keeps them: a scam message is evidence and must stay as it was received; HTML paragraphs end
  their effect.

Refusing beats removing: the API's client learns that it sent something wrong, and what we
store is what was sent. Django's forms.CharField already refuses NUL, but with an untranslated
English message; LineField and TextField below give the Vietnamese one.

Where nobody can be told (a chat message a person typed into Zalo: the webhook must answer 200
or Zalo resends it), strip_refused(value, multiline=...) removes the same characters instead,
and returns the rest in NFC.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from pydantic import AfterValidator

from lib.nfc import nfc

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = "\x00-\x1f\x7f-\x9f"
_SURROGATES = "\ud800-\udfff"
# U+2028 and U+2029 are line breaks too: a single line has none.
_LINE_REFUSED = re.compile(f"[{_CONTROLS}{_SURROGATES}{BIDI_CONTROLS}\u2028\u2029]")
_TEXT_REFUSED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SURROGATES}]")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


class TextError(ValueError):
    """A refused text; str() is the Vietnamese message for the person or the client."""


def _message(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        return _("Văn bản chứa ký tự NUL (U+0000), không được phép.")
    if char in "\n\r\u2028\u2029":
        return _("Ô này chỉ nhận một dòng (có ký tự xuống dòng %(code)s).") % {"code": code}
    if "\ud800" <= char <= "\udfff":
        return _("Văn bản chứa ký tự Unicode không hợp lệ (%(code)s).") % {"code": code}
    if _BIDI.match(char):
        return _(
            "Văn bản chứa ký tự ẩn đổi chiều chữ (%(code)s), có thể dùng để giả mạo; hãy gõ lại "
            "giá trị thay vì sao chép."
        ) % {"code": code}
    return _("Văn bản chứa ký tự điều khiển không được phép (%(code)s).") % {"code": code}


def clean_text(value: str, *, multiline: bool = False) -> str:
    """value in NFC; TextError when it holds a character the policy above refuses."""
    if not isinstance(value, str):
        raise TextError(_("Giá trị phải là một chuỗi ký tự."))
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    found = (_TEXT_REFUSED if multiline else _LINE_REFUSED).search(value)
    if found:
        raise TextError(_message(found[0]))
    return nfc(value)  # unicodedata.normalize is quadratic on some runs of marks


def strip_refused(value: str, *, multiline: bool = True) -> str:
    """value in NFC without the characters clean_text(value, multiline=...) would refuse (a
    carriage return becomes a line feed in multi-line text, as there)."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return nfc((_TEXT_REFUSED if multiline else _LINE_REFUSED).sub("", value))


def clean_line(value: str) -> str:
    return clean_text(value, multiline=False)


def clean_multiline(value: str) -> str:
    return clean_text(value, multiline=True)


# --- pydantic (django-ninja schemas) -----------------------------------------------------------
# A ValueError raised in an AfterValidator reaches the API's 422 handler as type "value_error"
# with the exception in ctx["error"]; canhgiac.api says its message as it is.

CleanLine = Annotated[str, AfterValidator(clean_line)]
CleanText = Annotated[str, AfterValidator(clean_multiline)]


# --- Django forms ------------------------------------------------------------------------------


def validate_line(value: str) -> None:
    try:
        clean_line(value)
    except TextError as error:
        raise ValidationError(str(error), code="text_policy") from None


def validate_text(value: str) -> None:
    try:
        clean_multiline(value)
    except TextError as error:
        raise ValidationError(str(error), code="text_policy") from None


class LineField(forms.CharField):
    """A CharField under the single-line policy; the cleaned value is in NFC."""

    multiline = False

    # The keyword arguments are CharField's (max_length, required, label, ...).
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Ours says the same in Vietnamese, and runs first (in to_python).
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def to_python(self, value: object) -> str | None:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return text
        try:
            return clean_text(text, multiline=self.multiline)
        except TextError as error:
            raise ValidationError(str(error), code="text_policy") from None


class TextField(LineField):
    """A CharField for free multi-line text (tab, line breaks and bidi controls kept)."""

    multiline = True
