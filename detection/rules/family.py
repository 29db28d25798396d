"""Family and friends in trouble who need money at once."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Rule, phrases

RULES: tuple[Rule, ...] = (
    Rule(
        "emergency",
        "family",
        1.2,
        _(
            "Tin nhắn báo người thân gặp nạn, cấp cứu, bị giữ hay vừa đổi số điện thoại và cần tiền "
            "gấp."
        ),
        phrases(
            r"cap cuu",
            r"tai nan",
            r"nhap vien",
            r"vien phi",
            r"phau thuat",
            r"bi (?:cong an |nguoi ta )?giu",
            r"(?:con|em|minh|to|chau|anh|chi) (?:da |vua |moi )?doi so",
            r"dien thoai (?:cu )?(?:hong|het pin|bi mat)",
            r"mat het (?:vi|tien)",
            r"ket (?:o|tai) san bay",
            r"tai khoan (?:cua )?(?:em|con|minh|to) (?:dang )?bi (?:loi|khoa)",
            r"facebook (?:cua )?(?:em|minh|to) bi (?:loi|khoa|hack)",
        ),
    ),
    Rule(
        "transfer_request",
        "family",
        0.0,
        "",
        phrases(
            r"(?:chuyen|gui|muon|cho (?:con|em|chau) muon|ung)(?: giup| tam| truoc)?(?: (?:con|em"
            r"|chau|chi|anh|to|minh))? \d[\d.,]* ?(?:k|tr|trieu|ngan|nghin|d|dong|vnd)",
            r"chuyen (?:giup|tam|truoc|gap)",
            r"(?:chuyen|gui) (?:tien )?(?:vao|qua|cho) (?:tai khoan|tk|stk|so tai khoan)",
        ),
    ),
    Rule(
        "emergency_money",
        "family",
        2.0,
        _(
            "Người nhắn nói đang gặp chuyện gấp và xin chuyển tiền: hãy gọi lại đúng số quen thuộc "
            "của người đó trước khi chuyển."
        ),
        needs=("emergency", "transfer_request"),
    ),
)
