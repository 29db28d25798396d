"""Explainable rules for Vietnamese scam messages, run on folded text (see text.fold).

Each rule is a regular expression with a weight in log-odds: positive weights push a message
towards "scam", negative ones towards "ordinary" (a bank's OTP notice that carries the code, a
balance alert, a warning that describes what crooks do). Some rules are "signals" with weight 0
that only count inside a combination ("a prize" and "a fee" make "a fee to receive a prize").

Warnings quote scam phrases: "Kẻ gian giả danh công an yêu cầu chuyển tiền vào tài khoản an
toàn". A hit whose sentence has a warning cue before it (kẻ gian, giả danh, thủ đoạn, không bao
giờ yêu cầu ...) describes what crooks do and does not count. Requests for an OTP or a password
do not count right after a negation ("tuyệt đối KHÔNG cung cấp mã OTP").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    code: str
    category: str
    weight: float
    reason: str  # a lazy translation
    pattern: re.Pattern[str] | None = None
    needs: tuple[str, ...] = ()
    negatable: bool = False
    # Codes that cancel this rule: a message that carries the OTP itself is a notice, not a
    # request for it.
    unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleHit:
    rule: Rule
    start: int
    end: int

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def weight(self) -> float:
        return self.rule.weight


def _any(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")(?![a-z0-9])")


W = r"(?:[^.!?\n]|\.(?=\d)){0,50}?"  # a few words within one sentence ("3.000.000d" is one)
NUM = r"\d[\d.,]*"

RULES: tuple[Rule, ...] = (
    # --- Requests for secrets -------------------------------------------------------------
    Rule(
        "otp_request",
        "secret",
        3.0,
        _(
            "Tin nhắn đòi mã OTP, mật khẩu hoặc mã PIN: ngân hàng, nhà mạng, công an không bao giờ "
            "hỏi những mã này."
        ),
        _any(
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
        _any(
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
        _any(
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
        _any(
            r"tai khoan (?:ca nhan )?(?:cua )?(?:nhan vien|can bo|shipper|thu ngan"
            r"|ban (?:em|toi|minh|con|chau)|nguoi khac|bac si|thay|benh vien|cong ty)",
            r"(?:tk|stk) (?:cua )?(?:nhan vien|can bo|shipper|ban (?:em|con|chau))",
            r"vao tai khoan (?:nay|khac nay|duoi day)",
        ),
    ),
    # --- Threats ----------------------------------------------------------------------------
    Rule(
        "arrest_threat",
        "police",
        2.0,
        _(
            "Tin nhắn dọa bắt, khởi tố hay nói bạn dính vào vụ án: công an và toà án không báo tin "
            "như vậy qua tin nhắn hay điện thoại."
        ),
        _any(
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
        _any(
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
        _any(
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
        _any(
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
        _any(
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
        _any(
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
        _any(
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
    # --- Links, apps, remote control ---------------------------------------------------------
    Rule(
        "apk",
        "app",
        3.0,
        _(
            "Tin nhắn gửi tệp cài đặt ứng dụng (.apk) ngoài kho ứng dụng: đây là cách cài mã độc để "
            "chiếm điện thoại và tài khoản ngân hàng."
        ),
        re.compile(r"\.apk(?![a-z0-9])|testflight|bo cai dat|file dinh kem de (?:xac nhan|cai)"),
    ),
    Rule(
        "remote_app",
        "app",
        2.5,
        _(
            "Tin nhắn bảo cài phần mềm điều khiển từ xa hoặc cấp quyền truy cập màn hình: kẻ gian sẽ "
            "thao tác trên điện thoại của bạn."
        ),
        _any(
            r"anydesk",
            r"teamviewer",
            r"ultraviewer",
            r"cap quyen(?: truy cap)?(?: man hinh| tro nang| ho tro)?",
            r"ho tro tu xa",
            r"dieu khien tu xa",
        ),
    ),
    Rule(
        "install_app",
        "app",
        1.2,
        _(
            "Tin nhắn bảo tải, cài ứng dụng theo đường link hoặc hướng dẫn riêng: ứng dụng thật chỉ "
            "cài từ App Store hay Google Play."
        ),
        _any(
            r"(?:tai|cai dat|cai|download|cap nhat)(?: ve)? (?:ung dung|app|phan mem|ban moi"
            r"|ban cap nhat|phien ban moi)(?: [a-z0-9]+){0,4} (?:tai|theo|qua|tu) (?:link|duong"
            r" link|dia chi|day|file)",
            r"(?:tai|cai dat|cai|download)(?: ve)? (?:ung dung|app|phan mem|ban)[^.!?\n]{0,60}"
            r"(?:tai|o|theo) (?:link|duong link|https?|www|[a-z0-9\-]+\.(?:com|net|xyz|top|online"
            r"|site|app|vip|click|info|download|vn))",
            r"link (?:tai|cai dat) (?:ung dung|app)",
        ),
    ),
    # --- Jobs and tasks ------------------------------------------------------------------------
    Rule(
        "job_offer",
        "job",
        1.0,
        _("Tin nhắn mời làm cộng tác viên, “việc nhẹ lương cao” qua mạng."),
        _any(
            r"ctv",
            r"cong tac vien",
            r"viec (?:lam )?(?:nhe|online|tai nha|them)",
            r"lam (?:viec )?tai nha",
            r"(?:tuyen|tim nguoi|can nguoi|nhan vien)(?: [a-z]+){0,4} (?:tai nha|online)",
            r"khong can (?:kinh nghiem|von)",
            r"luong (?:cao|\d+ ?(?:k|tr|trieu|nghin)?(?:/| mot | moi )ngay)",
            r"thu nhap (?:tu )?\d",
            r"\d+ ?(?:k|tr|trieu|nghin)(?: ?- ?\d+ ?(?:k|tr|trieu|nghin))? ?/ ?ngay",
            r"tuyen (?:gap|dung gap)",
            r"nhan viec",
            r"kiem (?:them )?(?:thu nhap|tien)",
            r"kiem \d+ ?(?:k|tr|trieu|nghin)",
            r"(?:thoi gian|luc) ranh",
            r"ban thoi gian",
            r"chi can (?:1|mot) (?:chiec )?(?:dien thoai|smartphone)",
            r"nhan (?:tien|luong) (?:trong|cuoi) ngay",
        ),
    ),
    Rule(
        "task_scam",
        "job",
        2.0,
        _(
            "Tin nhắn giao “nhiệm vụ” ăn hoa hồng (chốt đơn, like video, đánh giá): kiểu việc làm giả "
            "bắt nạp tiền ngày càng nhiều rồi không cho rút."
        ),
        _any(
            r"nhiem vu",
            r"hoa hong",
            r"chot don",
            r"(?:chot|tao|lam|mua) don (?:hang )?ao",
            r"(?:like|tha tim|binh luan|theo doi) (?:va binh luan )?(?:video|bai|cho (?:cac )?shop)",
            r"danh gia (?:san pham|khach san)",
            r"xem video (?:youtube|tiktok)",
            r"binh luan (?:tiktok|youtube|facebook|video|san pham)",
            r"(?:like|tha tim|follow) (?:video |kenh )?(?:tiktok|youtube|shopee)",
            r"luot theo doi",
            r"mo tai khoan ngan hang cho",
        ),
    ),
    Rule(
        "pay_to_unlock",
        "job",
        3.0,
        _(
            "Tin nhắn bắt nạp thêm tiền để được rút, mở khóa hay nhận tiền: đây là bẫy, nạp bao "
            "nhiêu cũng không rút được."
        ),
        _any(
            rf"(?:nap|chuyen|dong|dat coc)(?: them| toi thieu)?{W}(?:de|moi|thi) (?:duoc )?(?:rut"
            r"|mo khoa|kich hoat|nhan (?:hoa hong|thuong|tien|lai)|giai ngan|xac minh)",
            r"(?:de|muon) rut (?:tien|hoa hong)[^.!?\n]{0,40}(?:nap|nop|chuyen|lam them)",
            r"nhiem vu combo",
            r"hoan (?:tra|von)(?: \d+%)? sau",
        ),
    ),
    Rule(
        "job_fee",
        "job",
        2.0,
        _(
            "Việc làm mà phải nộp tiền trước (phí đăng ký, đặt cọc, đồng phục, tài liệu): nhà tuyển "
            "dụng thật không thu tiền của người xin việc."
        ),
        needs=("job_offer", "fee"),
    ),
    # --- Prizes, parcels, fees -------------------------------------------------------------------
    Rule(
        "prize",
        "prize",
        1.0,
        _("Tin nhắn báo trúng thưởng, quà tri ân bất ngờ."),
        _any(
            r"trung (?:thuong|giai)",
            r"giai (?:nhat|nhi|ba|dac biet)",
            r"khach hang may man",
            r"may man trung",
            r"qua (?:tang )?(?:[a-z]+ ){0,4}tri gia",
            r"tri an",
            r"quay so",
            r"boc tham",
            r"phan (?:thuong|qua)",
            r"(?<!ghi )nhan qua (?:tang|tri an|ngay|tai|cua|sinh nhat|may man|\d)",
            r"voucher \d",
            r"qua tang mien phi",
            r"co hoi (?:nhan|so huu|mang ve)(?: duoc)?(?: mot| 1)? (?:chiec|xe|dien thoai|iphone"
            r"|dong ho|phan qua|giai)",
        ),
    ),
    Rule(
        "fee",
        "fee",
        0.0,
        "",
        _any(
            r"(?:nop|dong|chuyen|thanh toan|tra)(?: [a-z]+){0,3}? (?:phi|le phi|thue|tien (?:phi|thue"
            r"|bao hiem|coc|ky quy))",
            r"phi (?:van chuyen|ship|giao (?:lai|hang)|bao hiem|thong quan|hai quan|luu kho"
            r"|kich hoat|ho so|thu tuc|cong chung|nhan qua|xu ly|mo (?:dong )?bang|bo sung"
            r"|chenh lech|dong phuc)",
            r"dat coc",
            r"thue (?:nhap khau|thu nhap)",
            r"le phi",
            r"bao hiem (?:khoan vay|van chuyen)",
        ),
    ),
    Rule(
        "prize_fee",
        "prize",
        2.5,
        _(
            "Muốn nhận quà, nhận thưởng lại phải nộp phí hay thuế trước: quà thật không bắt trả tiền "
            "để nhận."
        ),
        needs=("prize", "fee"),
    ),
    Rule(
        "parcel",
        "parcel",
        0.0,
        "",
        _any(
            r"buu (?:pham|kien|gui)",
            r"kien hang",
            r"don hang",
            r"hang cua (?:ban|quy khach|anh|chi)",
            r"hai quan",
            r"thong quan",
        ),
    ),
    Rule(
        "parcel_fee",
        "parcel",
        2.0,
        _(
            "Tin nhắn đòi phí để nhận bưu phẩm, thông quan hay giao lại hàng: đơn vị giao hàng thật "
            "thu tiền khi giao (COD), không bắt chuyển khoản trước cho cá nhân."
        ),
        needs=("parcel", "fee"),
    ),
    Rule(
        "parcel_held",
        "parcel",
        1.2,
        _("Tin nhắn báo hàng bị giữ, thất lạc hay phải cập nhật địa chỉ qua đường link."),
        _any(
            r"(?:bi|dang bi|tam) giu(?: lai)?(?: tai)? (?:hai quan|kho|buu cuc|san bay)",
            r"bi giu lai",
            r"that lac",
            r"boi thuong \d",
            r"hang cam",
            r"sai (?:dia chi|ma buu chinh)",
        ),
    ),
    # --- Loans and investments ------------------------------------------------------------------
    Rule(
        "loan",
        "loan",
        1.2,
        _(
            "Tin nhắn mời vay dễ dàng (không thẩm định, không thế chấp, giải ngân ngay): mồi nhử quen "
            "thuộc của các ứng dụng cho vay lừa đảo."
        ),
        _any(
            r"vay (?:von|tien|tin chap|tieu dung|nhanh|online|nong|uu dai)",
            r"cho vay",
            r"khong (?:can )?(?:the chap|tham dinh|chung minh thu nhap|giay to|gap mat)",
            r"no xau (?:van )?vay",
            r"ho tro (?:goi )?vay",
            r"han muc vay",
            r"ho so vay",
            r"giai ngan",
            r"(?:duyet|phe duyet) ho so(?: vay)?",
            r"dao han the",
            r"rut tien mat tu the",
        ),
    ),
    Rule(
        "loan_fee",
        "loan",
        2.5,
        _(
            "Muốn nhận khoản vay lại phải nộp phí, mua bảo hiểm hay “chứng minh tài chính” trước: "
            "công ty tài chính thật không làm vậy."
        ),
        needs=("loan", "fee"),
    ),
    Rule(
        "loan_frozen",
        "loan",
        2.0,
        _("Tin nhắn nói tiền giải ngân bị “đóng băng” vì bạn sai thông tin, phải nộp tiền để mở."),
        _any(
            r"(?:dong bang|mo dong bang)",
            r"chung minh (?:nang luc )?tai chinh",
            r"giai ngan (?:that bai|bi loi)",
        ),
    ),
    Rule(
        "investment",
        "investment",
        2.0,
        _(
            "Tin nhắn hứa lợi nhuận cao, chắc chắn (đầu tư, tiền ảo, “chuyên gia”): không khoản đầu "
            "tư thật nào cam kết như vậy."
        ),
        _any(
            rf"(?:loi nhuan|lai|lai suat) (?:tu )?{NUM} ?%(?: ?/ ?| moi | mot )?(?:ngay|tuan|thang)",
            r"cam ket (?:loi nhuan|lai|hoan von|mua lai)",
            r"nhan doi (?:tai san|so tien|tien|von|loi nhuan|\d)",
            r"usdt",
            r"forex",
            r"binary",
            r"tien (?:ao|dien tu|ma hoa)",
            r"san (?:giao dich|dau tu)",
            r"chuyen gia",
            r"nhom (?:vip|dau tu)",
            r"tang tran",
            r"da cap",
            r"hoan von 100",
        ),
    ),
    # --- Family and friends in trouble ------------------------------------------------------------
    Rule(
        "emergency",
        "family",
        1.2,
        _(
            "Tin nhắn báo người thân gặp nạn, cấp cứu, bị giữ hay vừa đổi số điện thoại và cần tiền "
            "gấp."
        ),
        _any(
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
        _any(
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
    # --- Telecom, utilities, state -------------------------------------------------------------
    Rule(
        "sim_upgrade",
        "telecom",
        1.2,
        _(
            "Tin nhắn mời nâng cấp SIM, chuyển eSIM hay “chuẩn hóa thuê bao” từ xa: nhà mạng làm "
            "việc này tại cửa hàng hoặc trong ứng dụng chính thức."
        ),
        _any(
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
        _any(
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
        _any(
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
        _any(r"lay lai tien (?:bi|da bi) lua", r"thu hoi tien (?:bi )?lua"),
    ),
    Rule(
        "wrong_transfer",
        "refund",
        2.0,
        _(
            "Tin nhắn nói ai đó “chuyển nhầm” và đòi chuyển trả vào tài khoản khác: hãy để ngân hàng "
            "xử lý khoản tiền lạ, không tự chuyển đi."
        ),
        _any(
            rf"chuyen nham{W}(?:tra lai|chuyen lai|hoan tra|chuyen tra)",
            r"nhan nham",
        ),
    ),
    Rule(
        "refund_offer",
        "refund",
        1.0,
        _("Tin nhắn hứa hoàn tiền, bồi thường và bảo làm theo hướng dẫn qua link hay Zalo."),
        _any(
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
        _any(
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
        _any(
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
        _any(
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
    # --- Fines, robocalls, illegal services ----------------------------------------------------
    Rule(
        "traffic_fine",
        "fine",
        1.5,
        _(
            "Tin nhắn báo bạn có biên lai, biên bản phạt giao thông chưa nộp: cơ quan thật gửi "
            "thông báo bằng văn bản và cho tra cứu trên trang chính thức, không nhắn tin bảo gọi số "
            "lạ để nộp phạt."
        ),
        _any(
            r"phat nguoi",
            r"chua (?:nop|dong|thanh toan) (?:tien )?phat",
            r"(?:bien lai|bien ban|quyet dinh xu phat)[^.!?\n]{0,40}(?:chua (?:nop|dong|thanh toan)"
            r"|nop phat)",
            r"(?:nop|dong) phat (?:nguoi|vi pham|giao thong)",
        ),
    ),
    Rule(
        "press_key",
        "telecom",
        1.2,
        _(
            "Tin nhắn bảo bấm phím trên bàn phím hay gọi lại để “nghe lời nhắn”, “gặp tổng đài "
            "viên”: cuộc gọi tự động giả nhà mạng, cơ quan nhà nước dẫn tới kẻ gian hoặc tới đầu số "
            "tính cước cao."
        ),
        _any(
            # Not the menu of a carrier's own number ("gọi 198 bấm phím 2", "1800 1091 phím 1").
            r"(?<!1\d\d )(?<!18\d{6} )(?<!19\d{6} )(?<!18\d\d \d{4} )(?<!19\d\d \d{4} )"
            r"(?:an|bam|nhan) (?:phim|so) \d(?![\d])",
            r"de nghe lai (?:loi nhan|tin nhan|noi dung)",
            r"loi nhan thoai",
        ),
    ),
    Rule(
        "telecom_lock_call",
        "telecom",
        1.0,
        _(
            "Dọa khoá số điện thoại rồi bảo bấm phím hoặc gọi lại: đúng kịch bản cuộc gọi tự động "
            "giả nhà mạng, giả Cục Viễn thông. Nhà mạng không khoá thuê bao qua cuộc gọi như vậy."
        ),
        needs=("account_lock", "press_key"),
    ),
    Rule(
        "default_consent",
        "fee",
        1.0,
        _(
            "Tin nhắn nói rằng im lặng là đồng ý (không trả lời, không huỷ thì “mặc định xác "
            "nhận” tham gia, bị trừ tiền): hợp đồng thật cần bạn tự đồng ý, đây là bẫy để bạn "
            "gọi lại hoặc nộp tiền."
        ),
        _any(
            r"mac dinh (?:xac nhan|dong y|dong thuan|tham gia|dang ky)",
            r"(?:khong|ko) (?:phan hoi|tra loi|huy|tu choi)[^.!?\n]{0,60}(?:mac dinh|coi nhu|"
            r"duoc xem la) (?:xac nhan|dong y|dong thuan|tham gia|dang ky)",
        ),
    ),
    Rule(
        "real_estate",
        "spam",
        0.5,
        _(
            "Tin rao bán đất, nhà, căn hộ gửi hàng loạt: tin rác, nhiều khi là dự án “ma”, đòi "
            "đặt cọc trước."
        ),
        _any(
            r"(?:ban|mo ban|can ban|sang nhuong) (?:gap )?(?:dat|nen|lo dat|can ho|nha pho|biet thu"
            r"|dat nen|shophouse)",
            r"so hong (?:rieng|tung nen|trao tay)",
            r"shr",
            r"tho cu \d+",
            r"(?:tr|trieu)/(?:nen|lo|m2|can)",
            r"(?:ck|chiet khau) \d+ ?%",
            r"xd ngay",
            r"xay dung tu do",
        ),
    ),
    Rule(
        "adult_service",
        "adult",
        2.0,
        _(
            "Tin nhắn mời “hẹn hò”, dịch vụ tình dục hay gọi số tính cước để “tâm sự”: kiểu tin này "
            "thường đòi tiền cọc rồi chặn liên lạc, hoặc lừa gọi tới đầu số tính tiền cao."
        ),
        _any(
            r"tinh (?:mot|1) dem",
            r"gai (?:xinh|goi|dep) (?:toan quoc|phuc vu|tan noi|sinh vien|cho)",
            r"hen ho (?:qua dem|tinh|cung|voi)",
            r"sex",
            r"nhu cau sinh ly",
            r"khoai lac",
            r"(?:den )?tan noi phuc vu",
            r"phuc vu (?:tan noi|tan nha|qua dem|tu a)",
            r"(?:goi|bam so|goi vao so) (?:cho em )?1900 ?\d[^.!?\n]{0,40}(?:tam su|noi chuyen|lam quen)",
            r"(?:tam su|noi chuyen|lam quen)[^.!?\n]{0,30}(?:goi|so) 1900 ?\d",
        ),
    ),
    Rule(
        "fake_documents",
        "documents",
        2.5,
        _(
            "Tin nhắn nhận làm bằng cấp, bằng lái, căn cước hay giấy tờ “không cần thi”: đó là giấy "
            "tờ giả, phạm pháp, và bên nhận làm thường lấy tiền cọc rồi biến mất."
        ),
        _any(
            r"(?:nhan|chuyen|ben (?:em|e|minh|toi)) lam (?:tat ca |het |moi |cac )?(?:cac )?(?:loai )?"
            r"(?:bang|giay to|gplx|gp|giay phep|cmnd|cccd|can cuoc|chung minh|ho chieu|cavet"
            r"|so do|dang k[iy] xe)",
            r"lam (?:tat ca|het|moi|cac) (?:cac )?loai (?:bang|giay to)",
            r"bang (?:cap|lai)[^.!?\n]{0,30}(?:cap 3|dai hoc)[^.!?\n]{0,30}(?:giay to|can cuoc|cmnd)",
            r"khong (?:can )?(?:thi|hoc) (?:van |sat hach )?(?:van|sat hach|ma )?co bang",
        ),
    ),
    # --- Signs of an ordinary message --------------------------------------------------------
    Rule(
        "otp_notice",
        "ordinary",
        -2.5,
        _(
            "Tin nhắn gửi kèm một mã xác thực và dặn không đưa cho ai: giống tin OTP thật do chính "
            "bạn yêu cầu. Nếu bạn không yêu cầu, đừng đưa mã cho ai."
        ),
        _any(
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
        _any(
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
        _any(
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
        _any(
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

RULES_BY_CODE = {rule.code: rule for rule in RULES}

# Spam filters are dodged by breaking words with odd marks ("N'ap V,ao", "nh$an") or digits for
# letters ("kh0ng", "d!eu k!en"). Ordinary people type without diacritics or spaces, but they do
# not put quotes, carets or dollars inside words. ";" is left out: timetables glue words with it.
_BROKEN_WORD = re.compile(
    r"(?<=[a-z])(?:'(?!(?:t|s|re|ll|ve|d|m)(?![a-z]))|[\"~^*$_|\\])(?=[a-z])"
    r"|(?<![a-z0-9])[a-z]{1,6}[0134!@]+[a-z]{1,6}(?![a-z0-9])"
    # "V.A..O G.O.O.G.L.E": one word spelt out letter by letter between dots.
    r"|(?<![a-z0-9])(?:[a-z]\.{1,3}){2,}[a-z](?![a-z0-9])"
)
OBFUSCATION_MIN = 3


def broken_words(folded: str) -> int:
    """How many words of a folded text (links masked) are broken up to dodge filters."""
    return len(_BROKEN_WORD.findall(folded))


_SENTENCE_END = re.compile(r"[.!?\n;]+(?:\s|$)")
# A negation a few words before a request: "tuyệt đối KHÔNG cung cấp", "không bao giờ yêu cầu
# khách hàng cung cấp", "đừng chia sẻ". Folded "dung" is also "dùng", "dụng": only right before.
# The negation carries over "hoặc" (or) to the next verb: "KHÔNG cung cấp mã OTP cho bất kỳ ai
# hoặc nhập OTP vào đường link lạ". Not over "hay": folded, it is also "hãy" (do!).
_NEGATION = re.compile(
    r"(?<![a-z0-9])(?:(?:khong|ko|never|not|chua bao gio)"
    r"(?:(?: [a-z]+){0,6}|(?: [a-z]+){0,8} hoac(?: [a-z]+){0,2})|dung) $"
)
_AWARENESS = RULES_BY_CODE["awareness"].pattern


@dataclass(slots=True)
class _Text:
    folded: str
    sentence_starts: list[int]
    awareness: list[int]

    def sentence_start(self, position: int) -> int:
        start = 0
        for s in self.sentence_starts:
            if s > position:
                break
            start = s
        return start


def _prepare(folded: str) -> _Text:
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(folded)]
    awareness = [m.start() for m in _AWARENESS.finditer(folded)] if _AWARENESS else []
    return _Text(folded, starts, awareness)


def _quoted(text: _Text, start: int, end: int) -> bool:
    """A hit inside a sentence that describes crooks ("kẻ gian giả danh ...", "... bằng thủ đoạn
    ... để nhận mã xác thực"): the cue comes before the hit or inside it."""
    if not text.awareness:
        return False
    sentence = text.sentence_start(start)
    return any(sentence <= a < end for a in text.awareness)


def _negated(text: _Text, start: int) -> bool:
    return bool(_NEGATION.search(text.folded, max(0, start - 60), start))


@cache
def _base_rules() -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if rule.pattern is not None)


@cache
def _combinations() -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if rule.needs)


def evaluate(folded: str) -> tuple[list[RuleHit], set[str]]:
    """The weighted rules a folded message triggers (strongest first), and the codes of every
    rule and signal it triggers."""
    text = _prepare(folded)
    found: dict[str, RuleHit] = {}
    for rule in _base_rules():
        for match in rule.pattern.finditer(folded):  # type: ignore[union-attr]
            start = match.start()
            if rule.weight > 0 and _quoted(text, start, match.end()):
                continue
            if rule.negatable and _negated(text, start):
                continue
            found[rule.code] = RuleHit(rule, start, match.end())
            break
    for rule in _combinations():
        parts = [found.get(code) for code in rule.needs]
        if all(parts):
            first = min(parts, key=lambda hit: hit.start)  # type: ignore[union-attr]
            found[rule.code] = RuleHit(rule, first.start, first.end)  # type: ignore[union-attr]
    for code in [code for code, hit in found.items() if set(hit.rule.unless) & set(found)]:
        del found[code]
    hits = [hit for hit in found.values() if hit.weight != 0]
    hits.sort(key=lambda hit: -hit.weight)
    return hits, set(found)
