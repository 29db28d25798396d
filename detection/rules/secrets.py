"""Requests for secrets: OTP codes, passwords, card data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Rule, W, phrases

RULES: tuple[Rule, ...] = (
    Rule(
        "otp_request",
        "secret",
        3.0,
        _(
            "Tin nhắn đòi mã OTP, mật khẩu hoặc mã PIN: ngân hàng, nhà mạng, công an không bao giờ "
            "hỏi những mã này."
        ),
        phrases(
            rf"(?:cung cap|gui|doc|nhap|dien|chia se|chup|nhan tin)(?: lai)?(?: giup| cho)?"
            rf"{W}(?:ma otp|otp|mat khau|ma pin|ma xac (?:thuc|nhan|minh)|ma 6 so|ma gom \d so"
            rf"|ma so|ten dang nhap|ma bao mat)",
            r"(?:ma otp|mat khau|ma pin)[^.!?\n]{0,30}(?:cho (?:nhan vien|tong dai|chung toi|em|"
            r"minh|to|toi)|qua zalo)",
        ),
        negatable=True,
        unless=("otp_notice",),
    ),
    Rule(
        "card_data",
        "secret",
        2.5,
        _(
            "Tin nhắn đòi số thẻ, mã CVV, ảnh căn cước hay ảnh chân dung: những thứ đủ để kẻ gian "
            "rút tiền hoặc vay tiền dưới tên bạn."
        ),
        phrases(
            rf"(?:cung cap|gui|nhap|dien(?! (?:thoai|luc|nuoc|tu))|chup){W}(?:so the|ma cvv|cvv"
            rf"|ngay het han|so seri|anh (?:chup )?(?:cccd|can cuoc)|cccd 2 mat|2 mat the"
            rf"|anh chan dung|thong tin the(?! thao))",
            r"chup (?:2|hai) mat (?:the|cccd)",
        ),
        negatable=True,
    ),
    # --- Money to the wrong place ---------------------------------------------------------
    Rule(
        "safe_account",
        "safe_account",
        3.5,
        _(
            "Tin nhắn bảo chuyển tiền vào “tài khoản an toàn”, tài khoản tạm giữ hay giám sát: "
            "không cơ quan nào làm như vậy, đó là thủ đoạn chiếm đoạt tiền."
        ),
        phrases(
            r"tai khoan (?:an toan|tam giu|giam sat|bao ve|niem phong|ky quy)",
            r"tai khoan (?:do|cua) (?:bo cong an|co quan (?:dieu tra|cong an)|vien kiem sat"
            r"|ngan hang) (?:chi dinh|cap|cung cap)",
            r"(?:chuyen|gui|rut)(?: toan bo| het)?(?: tien| so du| tien tiet kiem)? (?:vao|sang)"
            r" tai khoan (?:moi|tam|de (?:chung toi )?(?:kiem tra|giam sat|xac minh))",
            r"(?:xac minh|kiem tra|chung minh) nguon (?:goc )?tien",
            r"tien (?:bao lanh|ky quy)",
            r"niem phong tam thoi",
        ),
    ),
    Rule(
        "personal_account",
        "safe_account",
        2.0,
        _(
            "Tin nhắn bảo nộp tiền vào tài khoản của một cá nhân (nhân viên, cán bộ, shipper): tổ "
            "chức thật chỉ thu tiền qua tài khoản mang tên tổ chức."
        ),
        phrases(
            r"tai khoan (?:ca nhan )?(?:cua )?(?:nhan vien|can bo|shipper|thu ngan"
            r"|ban (?:em|toi|minh|con|chau)|nguoi khac|bac si|thay|benh vien|cong ty)",
            r"(?:tk|stk) (?:cua )?(?:nhan vien|can bo|shipper|ban (?:em|con|chau))",
            r"vao tai khoan (?:nay|khac nay|duoi day)",
        ),
    ),
)
