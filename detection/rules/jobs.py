"""Jobs and tasks: "light work, high pay", paid tasks, deposits to withdraw."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Rule, W, phrases

RULES: tuple[Rule, ...] = (
    Rule(
        "job_offer",
        "job",
        1.0,
        _("Tin nhắn mời làm cộng tác viên, “việc nhẹ lương cao” qua mạng."),
        phrases(
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
        phrases(
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
        phrases(
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
)
