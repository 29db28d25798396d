"""Prizes, parcels and fees; loans and investments."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import NUM, Rule, phrases

RULES: tuple[Rule, ...] = (
    Rule(
        "prize",
        "prize",
        1.0,
        _("Tin nhắn báo trúng thưởng, quà tri ân bất ngờ."),
        phrases(
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
        phrases(
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
        phrases(
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
        phrases(
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
        phrases(
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
        phrases(
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
        phrases(
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
)
