"""Signs of an ordinary message: an OTP or balance notice, a warning about scams, an
official channel. Their weights are negative."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import NUM, Rule, phrases

RULES: tuple[Rule, ...] = (
    Rule(
        "otp_notice",
        "ordinary",
        -2.5,
        _(
            "Tin nhắn gửi kèm một mã xác thực và dặn không đưa cho ai: giống tin OTP thật do chính "
            "bạn yêu cầu. Nếu bạn không yêu cầu, đừng đưa mã cho ai."
        ),
        phrases(
            r"(?:ma )?(?:otp|xac thuc|xac minh|xac nhan|kich hoat|dang nhap|login|verification"
            r"|security)(?: code)?(?: [a-z]+){0,10} (?:la|is|:) ?[:]? ?\d{4,8}",
            r"\d{4,8} (?:la|is) (?:ma|your)",
            r"g-\d{6}",
            r"use \d{4,8} as",
            # The code or a first password itself in the message: a notice, not a request.
            r"(?:ma )?otp(?: cua (?:ban|quy khach))?:? \d{4,8}(?![\d])",
            r"mat khau(?: (?:moi|tam thoi|dang nhap|mac dinh))?(?: (?:la|cua ban la))?:? ?[a-z]{0,3}\d{4,8}",
            r"ma (?:mo tu|du thuong)[: ]+\w+",
            r"(?:nhap|dung|su dung) ma (?:bao mat|xac minh|xac thuc|xac nhan|otp|kich hoat):? "
            r"\d{4,8}(?![\d])",
        ),
    ),
    Rule(
        "balance_notice",
        "ordinary",
        -2.5,
        _(
            "Tin nhắn có dạng thông báo biến động số dư của ngân hàng (số tiền, số dư, nội dung "
            "chuyển khoản)."
        ),
        phrases(
            rf"(?:sd|so du)(?: kha dung| cuoi| tai khoan)?(?: hien tai)? ?:? ?{NUM} ?(?:vnd|d)",
            rf"[+-] ?{NUM} ?(?:vnd|d)",
            r"bien dong so du",
            rf"(?:con lai|han muc con lai) {NUM} ?(?:vnd|d)",
        ),
    ),
    Rule(
        "awareness",
        "ordinary",
        -2.0,
        _(
            "Tin nhắn là lời cảnh báo về thủ đoạn lừa đảo (kể lại kẻ gian làm gì và khuyên không làm "
            "theo)."
        ),
        phrases(
            r"ke (?:gian|xau)",
            r"toi pham",
            r"cac doi tuong",
            r"doi tuong (?:lua dao|xau)",
            r"thu doan",
            r"mao danh",
            r"gia danh",
            r"canh giac",
            r"khuyen cao",
            r"khong bao gio (?:yeu cau|goi|gui|nhan tin|lam viec|hoi)",
            r"khong lam viec qua",
            r"(?:goi|bao)(?: ngay)? 113",
            r"khong (?:bam|truy cap) (?:vao )?(?:link|duong link)",
        ),
    ),
    Rule(
        "official_channel",
        "ordinary",
        -1.0,
        _(
            "Tin nhắn hướng bạn tới kênh chính thức (soạn tin tới đầu số ngắn, tổng đài 1800/1900, "
            "cửa hàng, quầy giao dịch, App Store, Google Play)."
        ),
        phrases(
            r"soan(?: tin)?:? [a-z0-9 ]{1,20} gui \d{3,5}",
            r"tu choi (?:qc|quang cao)",
            r"(?:goi|lien he|lh|hotline|tong dai)(?: ngay)? (?:18|19)00[\d .]{3,9}",
            r"(?:den|tai|o) (?:quay|cua hang|chi nhanh|diem giao dich|phong giao dich|tru so cong an"
            r"|bo phan mot cua|buu cuc)",
            r"app store",
            r"google play",
            r"ch play",
            r"(?:qua|tren|trong) (?:ung dung )?my (?:viettel|vnpt|mobifone|vietnamobile)",
            r"ung dung (?:chinh thuc|my viettel|my vnpt|vcb digibank|techcombank mobile|bidv"
            r" smartbanking|mb bank|vpbank neo|vneid chinh thuc)",
        ),
    ),
)
