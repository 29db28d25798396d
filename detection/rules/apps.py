"""Links, apps, remote control: .apk files, screen sharing, apps from a link."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from .base import Rule, phrases

RULES: tuple[Rule, ...] = (
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
        phrases(
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
        phrases(
            r"(?:tai|cai dat|cai|download|cap nhat)(?: ve)? (?:ung dung|app|phan mem|ban moi"
            r"|ban cap nhat|phien ban moi)(?: [a-z0-9]+){0,4} (?:tai|theo|qua|tu) (?:link|duong"
            r" link|dia chi|day|file)",
            r"(?:tai|cai dat|cai|download)(?: ve)? (?:ung dung|app|phan mem|ban)[^.!?\n]{0,60}"
            r"(?:tai|o|theo) (?:link|duong link|https?|www|[a-z0-9\-]+\.(?:com|net|xyz|top|online"
            r"|site|app|vip|click|info|download|vn))",
            r"link (?:tai|cai dat) (?:ung dung|app)",
        ),
    ),
)
