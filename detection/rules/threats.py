"""Threats and pressure: arrest, secrecy, debt collectors, locked accounts, deadlines."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Rule, W, phrases

RULES: tuple[Rule, ...] = (
    Rule(
        "arrest_threat",
        "police",
        2.0,
        _(
            "Tin nhắn dọa bắt, khởi tố hay nói bạn dính vào vụ án: công an và toà án không báo tin "
            "như vậy qua tin nhắn hay điện thoại."
        ),
        phrases(
            r"bat giu",
            r"bi bat",
            r"lenh bat",
            r"truy na",
            r"khoi to",
            r"trieu tap",
            r"vu an",
            r"rua tien",
            r"dieu tra vien",
            r"co quan dieu tra",
            r"vien kiem sat",
            r"(?:xu ly|toi) hinh su",
            r"phong toa (?:tai khoan|tai san)",
            r"giay (?:moi|trieu tap) (?:lam viec)?",
            r"duong day (?:rua tien|ma tuy|lua dao|danh bac)",
            r"ho so (?:cua (?:ban|ong|anh|chi) )?(?:dang |sap )?(?:duoc )?chuyen (?:sang|den)"
            r" (?:toa|vien kiem sat)",
            r"tiep tay cho toi pham",
            r"cam xuat canh",
        ),
    ),
    Rule(
        "secrecy",
        "police",
        2.5,
        _(
            "Tin nhắn bảo giữ bí mật, làm việc “trực tuyến” qua Zalo hay điện thoại: cơ quan thật "
            "làm việc tại trụ sở, có giấy mời, không cấm bạn hỏi người thân."
        ),
        phrases(
            r"lam viec (?:truc tuyen|online|qua (?:dien thoai|zalo|video|cuoc goi))",
            r"khong (?:duoc )?(?:noi|tiet lo|thong bao|ke)(?: viec nay)? (?:voi|cho) (?:ai|bat ky ai"
            r"|nguoi than|gia dinh)",
            r"dung (?:noi|ke|goi)(?: voi| cho)? (?:ai|bo me|nguoi than|gia dinh|con)",
            r"dung goi (?:cho )?(?:con|em|chau)",
            r"khong (?:can )?den tru so",
            r"cuoc goi video",
        ),
    ),
    Rule(
        "debt_threat",
        "debt",
        2.0,
        _(
            "Tin nhắn đòi nợ kèm đe dọa (báo cho người thân, đến nhà, bêu tên): đòi nợ kiểu khủng "
            "bố là vi phạm pháp luật, và thường là giả."
        ),
        phrases(
            r"(?:gui|bao|thong bao)(?: thong tin)? (?:den|cho|toi) (?:co quan|hang xom|nguoi than"
            r"|bo me|dong nghiep|toan bo danh ba)",
            r"(?:dang|cong khai) (?:anh|thong tin)",
            r"xu ly cung",
            # The phone book as a target ("gọi cho toàn bộ danh bạ"), not a phone book service.
            r"(?:goi|nhan tin|lien he|lam phien|khung bo|spam)(?: dien)?(?: cho| den| toi)?"
            r"(?: toan bo| ca| het| tat ca)? danh ba",
            r"doi no thue",
            r"nguoi tham chieu",
            r"danh sach den",
            r"doi xu ly",
            # "Recovery centres" that call a late payment a crime and threaten your reputation.
            r"lam dung (?:su )?tin nhiem",
            r"chiem doat tai san",
            r"bat hop tac",
            r"tron tranh",
            r"uy tin\W{1,3}danh du",
            r"(?:trung tam|cong ty|bo phan) (?:quan ly|thu hoi|xu ly) no",
            r"(?:lien he|bao|thong bao|goi) (?:cho )?(?:nguoi than|gia dinh)\W{1,3}"
            r"(?:gia dinh|nguoi than|ban be|dong nghiep|tham chieu)",
            r"xu ly tai (?:nha|dia phuong|noi cu tru)",
        ),
    ),
    Rule(
        "debt_overdue",
        "debt",
        1.0,
        _(
            "Tin nhắn nói bạn có khoản nợ quá hạn, nợ xấu: hãy tự kiểm tra với tổ chức cho vay qua "
            "kênh chính thức."
        ),
        phrases(
            r"no xau",
            r"qua han",
            r"thu hoi no",
            r"xu ly no",
            r"khoi kien",
            r"tron no",
            r"lai phat",
            r"phi phat",
            r"tat toan (?:khoan )?no",
            r"tre hen",
            r"(?:so tien|khoan) (?:qua han|no qua han)",
            r"khoan no",
        ),
    ),
    Rule(
        "home_visit",
        "debt",
        0.0,
        "",
        phrases(
            r"(?<!ve )(?<!toi )(?:den|xuong)(?: tan)? (?:nha|noi lam viec|co quan)(?! (?:bhxh|thue))"
        ),
    ),
    Rule(
        "debt_visit",
        "debt",
        2.0,
        _(
            "Tin nhắn đòi nợ dọa cho người đến tận nhà, tận nơi làm việc: đòi nợ kiểu khủng bố là "
            "vi phạm pháp luật, và thường là giả."
        ),
        needs=("debt_overdue", "home_visit"),
    ),
    Rule(
        "account_lock",
        "lock",
        1.0,
        _("Tin nhắn dọa khóa tài khoản, thẻ hay SIM để bạn làm theo vội vàng."),
        phrases(
            rf"(?:tai khoan|the|sim|thue bao|vi|so dien thoai|ma so thue|ho chieu){W}(?:se |sap "
            r"|da |dang )?bi (?:tam )?(?:khoa|dong bang|dinh chi|han che|phong toa|thu hoi|ngung"
            r"|tam ngung|vo hieu hoa|cat)",
            r"khoa (?:vinh vien|2 chieu|hai chieu)",
            r"ngung hoat dong",
        ),
    ),
    Rule(
        "deadline",
        "urgency",
        0.7,
        _(
            "Tin nhắn thúc ép bằng hạn chót rất gần (trong vài giờ, ngay hôm nay): kẻ gian muốn bạn "
            "không kịp suy nghĩ hay hỏi ai."
        ),
        phrases(
            r"trong (?:vong )?\d+ ?(?:h|gio|tieng|phut)",
            r"truoc \d{1,2} ?(?:h|gio)(?:\d\d)?(?: (?:hom nay|toi nay|ngay hom nay|nay))",
            r"truoc \d{1,2} ?(?:h|gio)\d{0,2} (?:hom nay|toi nay|nay)",
            r"(?:han (?:chot|cuoi)|chi con|chi trong) (?:hom nay|trong ngay|\d+ ?(?:h|gio|phut))",
            r"ngay lap tuc",
            r"khan cap",
            r"lan cuoi",
            r"thong bao cuoi cung",
            r"(?:het han|qua han|qua gio) (?:trong )?(?:hom nay|toi nay)",
            r"trong (?:hom nay|ngay hom nay|toi nay)",
        ),
    ),
)
