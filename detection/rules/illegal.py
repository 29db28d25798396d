"""Fines, robocalls, illegal services: traffic fines, "press 1", adult services, forged
papers, mass property ads."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Rule, phrases

RULES: tuple[Rule, ...] = (
    Rule(
        "traffic_fine",
        "fine",
        1.5,
        _(
            "Tin nhắn báo bạn có biên lai, biên bản phạt giao thông chưa nộp: cơ quan thật gửi "
            "thông báo bằng văn bản và cho tra cứu trên trang chính thức, không nhắn tin bảo gọi số "
            "lạ để nộp phạt."
        ),
        phrases(
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
        phrases(
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
        phrases(
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
        phrases(
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
        phrases(
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
        phrases(
            r"(?:nhan|chuyen|ben (?:em|e|minh|toi)) lam (?:tat ca |het |moi |cac )?(?:cac )?(?:loai )?"
            r"(?:bang|giay to|gplx|gp|giay phep|cmnd|cccd|can cuoc|chung minh|ho chieu|cavet"
            r"|so do|dang k[iy] xe)",
            r"lam (?:tat ca|het|moi|cac) (?:cac )?loai (?:bang|giay to)",
            r"bang (?:cap|lai)[^.!?\n]{0,30}(?:cap 3|dai hoc)[^.!?\n]{0,30}(?:giay to|can cuoc|cmnd)",
            r"khong (?:can )?(?:thi|hoc) (?:van |sat hach )?(?:van|sat hach|ma )?co bang",
        ),
    ),
)
