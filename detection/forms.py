from django import forms
from django.utils.translation import gettext_lazy as _

from lib.text import TextField

from .text import MAX_MESSAGE_CHARS

SENDER_CHOICES = [
    ("", _("Không rõ")),
    ("brandname", _("Tên thương hiệu (ví dụ VIETCOMBANK, Viettel)")),
    ("shortcode", _("Đầu số ngắn (ví dụ 9029)")),
    ("personal_number", _("Số điện thoại cá nhân (ví dụ 0912…)")),
]


class CheckMessageForm(forms.Form):
    # lib.text's policy: NUL and control characters refused with a Vietnamese message.
    text = TextField(
        label=_("Nội dung tin nhắn"),
        max_length=MAX_MESSAGE_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Dán nguyên văn tin nhắn SMS, Zalo, Messenger… (tối đa 5.000 ký tự)."),
        error_messages={
            "required": _("Hãy dán nội dung tin nhắn cần kiểm tra."),
            "max_length": _("Tin nhắn quá dài: tối đa %(limit_value)d ký tự."),
        },
    )
    sender_type = forms.ChoiceField(
        label=_("Tin nhắn gửi từ đâu?"),
        choices=SENDER_CHOICES,
        required=False,
    )
