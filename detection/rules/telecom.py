"""Telecom, utilities and the state; gambling, refunds, private chat channels, what a
phishing link asks of you."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Rule, W, phrases

RULES: tuple[Rule, ...] = (
    Rule(
        "sim_upgrade",
        "telecom",
        1.2,
        _(
            "Tin nhắn mời nâng cấp SIM, chuyển eSIM hay “chuẩn hóa thuê bao” từ xa: nhà mạng làm "
            "việc này tại cửa hàng hoặc trong ứng dụng chính thức."
        ),
        phrases(
            r"(?:nang cap|chuyen doi)(?: sim)?(?: 4g)? (?:len|sang)? ?(?:5g|esim)",
            r"nang cap sim",
            r"seri sim",
            r"ma (?:the )?nap cua",
            r"chuyen doi tu xa",
        ),
    ),
    Rule(
        "utility_cut",
        "utility",
        1.5,
        _("Tin nhắn dọa cắt điện, cắt nước ngay trong ngày và bảo trả tiền theo cách riêng."),
        phrases(
            r"cat (?:dien|nuoc)(?: (?:luc|vao|trong|ngay))?(?: \d+ ?h)? (?:toi nay|hom nay|sang mai"
            r"|trong ngay)",
            r"ngung cap (?:dien|nuoc) (?:toi nay|hom nay|sang mai|trong ngay)",
            r"can thiep trai phep",
        ),
    ),
    Rule(
        "gambling",
        "gambling",
        2.5,
        _("Tin nhắn quảng cáo cờ bạc, cá cược trực tuyến: bất hợp pháp và thường là lừa đảo."),
        phrases(
            r"nha cai",
            r"tai xiu",
            r"(?:game|choi) ban ca",
            r"ban ca (?:doi thuong|an xu|online)",
            r"lo de",
            r"soi keo",
            r"no hu",
            r"game (?:bai|doi thuong)",
            r"cong game",
            r"casino",
            r"ca cuoc",
            r"nap lan dau tang",
            r"1 an \d",
            # Sign-up and first-deposit bonuses, odds and "fast withdrawals" of betting sites.
            r"nap (?:dau|lan dau) (?:tang|thuong|x2)",
            r"dang k[iy](?: moi)? tang \d",
            r"tan thu",
            # "tỷ lệ cuộc gọi" (call rates) is telecom talk, not odds.
            r"t[iy] ?le (?:cuoc(?! ?goi)[a-z]*|keo|an)",
            r"vong cuoc",
            r"cuoc (?:cao|tang|thang|the thao|bong da)",
            r"thang rut",
            r"rut (?:tien )?cuc nhanh",
            r"hoan (?:tra|tien cuoc) khong gioi han",
            r"nap \d+ ?k? (?:thuong|tang|nhan) \d",
            # Spam spellings drop letters ("thưởg", "tỉlệ cượccao") to slip past filters.
            r"nap \d+ ?k? thuo?n?g \d",
            r"cuoc vao \d+\+? (?:su kien|tran|keo)",
        ),
    ),
    Rule(
        "recovery_scam",
        "refund",
        2.0,
        _("Tin nhắn hứa lấy lại tiền đã bị lừa: lại là một vụ lừa, nhắm vào người vừa mất tiền."),
        phrases(r"lay lai tien (?:bi|da bi) lua", r"thu hoi tien (?:bi )?lua"),
    ),
    Rule(
        "wrong_transfer",
        "refund",
        2.0,
        _(
            "Tin nhắn nói ai đó “chuyển nhầm” và đòi chuyển trả vào tài khoản khác: hãy để ngân hàng "
            "xử lý khoản tiền lạ, không tự chuyển đi."
        ),
        phrases(
            rf"chuyen nham{W}(?:tra lai|chuyen lai|hoan tra|chuyen tra)",
            r"nhan nham",
        ),
    ),
    Rule(
        "refund_offer",
        "refund",
        1.0,
        _("Tin nhắn hứa hoàn tiền, bồi thường và bảo làm theo hướng dẫn qua link hay Zalo."),
        phrases(
            r"hoan tien (?:gap doi|ve)",
            r"nhan hoan tien",
            r"nhan (?:tien )?(?:hoan|boi thuong)",
            r"duoc hoan (?:thue|phi|tien)",
            r"hoan tien (?:don hang|san pham|cho don)",
            r"hoan (?:phi|thue)",
            r"tro cap",
        ),
    ),
    Rule(
        "off_channel",
        "contact",
        0.8,
        _("Tin nhắn bảo kết bạn, nhắn Zalo hay Telegram với một cá nhân thay vì kênh chính thức."),
        phrases(
            r"(?:ket ban|nhan tin|nhan|lien he|inbox|ib)(?: qua| voi)?(?: tro ly)? (?:zalo"
            r"|telegram)",
            r"zalo (?:can bo|cskh|nhan vien|truong nhom)",
            r"(?:qua|tren) (?:zalo|telegram) (?:de|cua)",
            r"t\.me/",
            r"nhom (?:zalo|telegram)",
            r"(?:add|them|ket ban) (?:zalo|tele(?:gram)?)",
            r"zalo\.me/ ?\d+",
            r"zalo id",
            r"(?:nhan|nhan tin|inbox) (?:vao|qua) (?:facebook|fanpage|messenger|trang)",
        ),
    ),
    Rule(
        "act_on_link",
        "link",
        0.0,
        "",
        phrases(
            # What a phishing page wants you to do; "đăng ký", "tra cứu", "xem chi tiết" at a
            # link are what ordinary marketing says.
            r"(?:cap nhat|xac thuc|xac minh|xac nhan|kich hoat|dang nhap|mo khoa|khoi phuc"
            r"|huy (?:giao dich|lenh|dich vu|ngay|thanh toan)|doi mat khau|nop phat|nhan (?:tien|qua|thuong"
            r"|hoan tien|giai|boi thuong))",
            r"nhan ngay(?=:? (?:tai )?(?:https?:|www\.|[a-z0-9-]+\.[a-z]{2,}))",
        ),
    ),
    Rule(
        "identity_update",
        "link",
        0.0,
        "",
        phrases(
            r"sinh trac hoc",
            r"khuon mat",
            r"cccd(?: gan chip)?",
            r"can cuoc",
            r"dinh danh",
            r"chinh chu",
            r"giay to tuy than",
        ),
    ),
    Rule(
        "job_chat",
        "job",
        1.5,
        _(
            "Tin tuyển người mà chỉ cho liên hệ qua Zalo, Telegram của một cá nhân: việc làm thật "
            "có tên công ty, địa chỉ và quy trình tuyển dụng rõ ràng."
        ),
        needs=("job_offer", "off_channel"),
    ),
)
