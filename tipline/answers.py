"""What the tipline says: the Vietnamese texts of its answers, and the short form of a single
check (lookup.verdicts) or a message's analysis (detection.analysis) for a chat.

A chat answer is read on a phone, one thumb-scroll at most: the verdict or risk in words, at
most three reasons, one or two lines of advice. Zalo allows 2000 characters a message; answers
are cut well below that (MAX_ANSWER), whatever the reasons and values hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from detection.analysis import Analysis
from lib.links import absolute_url
from lookup.verdicts import LISTED, OFFICIAL, SUSPICIOUS, Check
from reports.evidence import MAX_BYTES

MAX_ANSWER = 1500  # characters; Zalo's limit is 2000
MAX_LINE = 240  # one reason or one line of advice: 5 of them and the rest fit MAX_ANSWER
MAX_REASONS = 3
MAX_ADVICE = 2


@dataclass(frozen=True)
class QuickReply:
    title: str  # shown on the button, e.g. "Tố giác"
    payload: str  # what comes back as the person's text when pressed, e.g. "#to_giac"


@dataclass(frozen=True)
class Reply:
    text: str
    quick_replies: tuple[QuickReply, ...] = ()


REPORT = "#to_giac"
ASK_STAFF = "#hoi_can_bo"
HELP = "#huong_dan"
CANCEL = "#huy"
NO_MONEY = "#khong_mat_tien"
UNIT_PAYLOAD = "#don_vi:"  # followed by the unit's pk


def actions() -> tuple[QuickReply, ...]:
    """The three buttons under every answer about a message or a value."""
    return (
        QuickReply(_("Tố giác"), REPORT),
        QuickReply(_("Hỏi cán bộ"), ASK_STAFF),
        QuickReply(_("Hướng dẫn"), HELP),
    )


def _line(text: str, limit: int = MAX_LINE) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit(text: str, limit: int = MAX_ANSWER) -> str:
    """The text cut to `limit` characters (at a line break when there is one near the end)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    newline = cut.rfind("\n")
    if newline > limit // 2:
        cut = cut[:newline]
    return cut.rstrip() + "…"


def _bullets(lines: list[str]) -> list[str]:
    return ["• " + _line(line) for line in lines]


# --- a message's analysis ----------------------------------------------------------------------


def _risk_words(risk: str) -> str:
    if risk == "high":
        return _("RỦI RO CAO: tin nhắn này rất có thể là lừa đảo.")
    if risk == "medium":
        return _("RỦI RO TRUNG BÌNH: tin nhắn này có dấu hiệu đáng ngờ.")
    return _("RỦI RO THẤP: chưa thấy dấu hiệu lừa đảo rõ ràng.")


def analysis_answer(analysis: Analysis, *, note: str = "") -> Reply:
    """The risk in words, the top reasons, the advice, and the three buttons."""
    lines = [note] if note else []
    lines.append(_risk_words(analysis.risk))
    reasons = [r.text for r in analysis.reasons[:MAX_REASONS]]
    if reasons:
        lines.append(_("Lý do:"))
        lines.extend(_bullets(reasons))
    advice = [a for a in analysis.advice if a][:MAX_ADVICE]
    if advice:
        lines.append(_("Lời khuyên:"))
        lines.extend(_bullets(advice))
    lines.append(_("Bấm “Tố giác” để báo cho cán bộ, “Hỏi cán bộ” để nhờ cán bộ xem giúp."))
    return Reply(fit("\n".join(lines)), actions())


# --- a single value ----------------------------------------------------------------------------


def _phone_line(check: Check) -> str:
    phone = check.phone
    if phone is None:
        return ""
    line = _("Số này là %(label)s.") % {"label": phone.label}
    return f"{line} {phone.note}" if phone.note else line


def _title(check: Check) -> str:
    verdict = check.verdict
    if verdict == LISTED:
        return _("CẢNH BÁO: có trong danh sách lừa đảo.")
    if verdict == SUSPICIOUS:
        if check.brand_name:
            return _("CÓ DẤU HIỆU GIẢ MẠO %(brand)s.") % {"brand": check.brand_name}
        return _("CÓ DẤU HIỆU LỪA ĐẢO.")
    if verdict == OFFICIAL:
        if check.phone is not None:
            return _("Tổng đài chính thức của %(brand)s.") % {"brand": check.brand_name}
        if check.brand_name and check.status != "allowlisted":
            return _("Trang chính thức của %(brand)s.") % {"brand": check.brand_name}
        return _("Trang chính thức hoặc nền tảng dùng chung.")
    return _("CHƯA CÓ THÔNG TIN.")


def _advice(check: Check) -> list[str]:
    verdict = check.verdict
    if verdict == LISTED:
        return [
            _("Đừng bấm đường dẫn, đừng gọi lại, đừng chuyển tiền, đừng đưa mã OTP."),
            _("Lỡ chuyển tiền rồi: gọi ngay tổng đài ngân hàng của bạn và báo công an."),
        ]
    if verdict == SUSPICIOUS:
        return [
            _("Đừng bấm đường dẫn này, đừng nhập mật khẩu, mã OTP, số thẻ vào trang đó."),
            _("Máy tự đánh giá từ tên địa chỉ, có thể sai; cán bộ chưa xác minh địa chỉ này."),
        ]
    if verdict == OFFICIAL and check.phone is not None:
        return [
            _(
                "Kẻ gian có thể giả số hiển thị khi gọi đến: hãy cúp máy rồi tự gọi lại số này. "
                "Tổng đài thật không bao giờ hỏi mã OTP hay bảo chuyển tiền."
            )
        ]
    if verdict == OFFICIAL:
        return [
            _("Kẻ gian hay dùng tên miền gần giống: hãy so từng chữ cái với địa chỉ chính thức.")
        ]
    if check.phone is not None:
        return [
            _(
                "Chưa có thông tin không có nghĩa là đáng tin. Ngân hàng, công an không gọi từ số "
                "di động cá nhân và không bảo chuyển tiền."
            ),
            _(
                "Muốn hỏi, hãy tự gọi tổng đài in trên thẻ, trên hoá đơn hoặc trang chính thức; "
                "bị đe doạ thì gọi 113."
            ),
        ]
    return [
        _("Chưa có thông tin không có nghĩa là đáng tin: kẻ gian đổi địa chỉ, số liên tục."),
        _("Hãy kiểm tra qua tổng đài hoặc trang chính thức; không đưa mã OTP, mật khẩu cho ai."),
    ]


def check_answer(check: Check, *, note: str = "") -> Reply:
    """One value's verdict as the check page says it, short, with the three buttons."""
    lines = [note] if note else []
    lines.append(_title(check))
    lines.append(_line(check.message(), 500))
    if check.phone is not None:
        lines.append(_line(_phone_line(check)))
    if check.listed and check.details and check.details.get("public_reason"):
        lines.append(_line(_("Lý do: %(r)s") % {"r": check.details["public_reason"]}))
    if check.verdict == SUSPICIOUS:
        lines.extend(_bullets(check.reasons[:MAX_REASONS]))
        if check.mixed_scripts_text:
            lines.append(_line(check.mixed_scripts_text + "."))
    brand = check.brand
    if brand is not None and brand.official and check.verdict in (SUSPICIOUS, OFFICIAL):
        if check.phone is None:
            lines.append(
                _("Địa chỉ chính thức của %(brand)s: %(official)s")
                % {"brand": brand.name, "official": brand.official}
            )
    lines.extend(_bullets(_advice(check)))
    return Reply(fit("\n".join(lines)), actions())


# --- the conversation's fixed texts --------------------------------------------------------------


def help_reply() -> Reply:
    text = _(
        "Cảnh Giác giúp bạn kiểm tra và tố giác lừa đảo.\n"
        "• Gửi (hoặc chuyển tiếp) tin nhắn đáng ngờ, đường link, số điện thoại, số tài khoản "
        "hay email: chúng tôi trả lời ngay có dấu hiệu lừa đảo không.\n"
        "• Gửi ảnh chụp màn hình: ảnh được giữ làm bằng chứng cho tố giác.\n"
        "• “Tố giác”: báo cho cán bộ qua 3 câu hỏi, nhận mã theo dõi.\n"
        "• “Hỏi cán bộ”: nhờ cán bộ xác minh xem giúp tin vừa gửi.\n"
        "• “dừng”: không nhận tin báo kết quả nữa; “tiếp tục”: nhận lại.\n"
        "• “huỷ”: thôi tố giác đang làm."
    )
    return Reply(text, actions())


def unknown_reply() -> Reply:
    return Reply(
        _(
            "Chưa hiểu tin này. Hãy gửi tin nhắn, đường link, số điện thoại hoặc số tài khoản "
            "cần kiểm tra, hoặc bấm “Hướng dẫn”."
        ),
        actions(),
    )


def too_long_note(limit: int) -> str:
    return _("(Tin quá dài: chỉ xem %(n)d ký tự đầu.)") % {"n": limit}


def ask_what() -> Reply:
    return Reply(
        _(
            "Tố giác (bước 1/3): hãy kể ngắn gọn chuyện gì đã xảy ra: ai liên lạc, qua đâu, "
            "họ bảo bạn làm gì. Nhắn “huỷ” để thôi."
        ),
        (QuickReply(_("Huỷ"), CANCEL),),
    )


def what_cut_note(limit: int) -> str:
    return _("(Chỉ giữ %(n)d ký tự đầu của phần kể.)") % {"n": limit}


def ask_money(error: str = "") -> Reply:
    text = _(
        "Bước 2/3: bạn đã mất bao nhiêu tiền? Ghi số tiền, ví dụ 5 triệu, 500.000, 2tr5; "
        "ghi “0” nếu chưa mất."
    )
    return Reply(
        f"{error}\n{text}" if error else text,
        (QuickReply(_("Chưa mất tiền"), NO_MONEY), QuickReply(_("Huỷ"), CANCEL)),
    )


def ask_commune() -> Reply:
    return Reply(
        _("Bước 3/3: bạn sống ở xã, phường hay đặc khu nào? Ví dụ: Phường An Phú."),
        (QuickReply(_("Huỷ"), CANCEL),),
    )


def commune_choices(typed: str, choices: list[QuickReply], *, several: bool) -> Reply:
    """Several units match (or none exactly): pick one, or type the name again."""
    typed = _line(typed, 60)
    if several:
        text = _("Có nhiều nơi tên “%(typed)s”. Bạn ở nơi nào? Bấm chọn hoặc gõ tên đầy đủ.")
    elif choices:
        text = _(
            "Không thấy xã, phường “%(typed)s”. Có phải một trong các nơi này? Nếu không, gõ lại tên."
        )
    else:
        text = _(
            "Không thấy xã, phường “%(typed)s”. Hãy gõ lại tên, ví dụ “Xã An Phú” hoặc “an phu”."
        )
    return Reply(text % {"typed": typed}, (*choices, QuickReply(_("Huỷ"), CANCEL)))


def tracking_url(code: str) -> str:
    """The tracking page of a report, on the site's own address (lib.links)."""
    return absolute_url(reverse("reports:track-code", kwargs={"code": code}))


def _with_lost(text: str, evidence_lost: bool) -> str:
    return f"{text}\n{evidence_expired()}" if evidence_lost else text


def report_done(code: str, *, evidence_lost: bool = False) -> Reply:
    return Reply(
        _with_lost(
            _(
                "Đã nhận tố giác. Mã theo dõi của bạn: %(code)s\n"
                "Xem kết quả xác minh tại %(url)s (giữ mã này, đừng đưa cho người lạ).\n"
                "Khi có kết quả, chúng tôi sẽ nhắn bạn tại đây; nhắn “dừng” nếu không muốn nhận."
            )
            % {"code": code, "url": tracking_url(code)},
            evidence_lost,
        )
    )


def staff_done(code: str, *, evidence_lost: bool = False) -> Reply:
    return Reply(
        _with_lost(
            _(
                "Đã chuyển cho cán bộ xác minh. Cán bộ sẽ xem tin bạn gửi. Mã theo dõi: %(code)s\n"
                "Xem kết quả tại %(url)s. Khi có kết quả, chúng tôi sẽ nhắn bạn tại đây."
            )
            % {"code": code, "url": tracking_url(code)},
            evidence_lost,
        )
    )


def staff_already(code: str) -> Reply:
    return Reply(
        _("Tin này đã được chuyển cho cán bộ, mã theo dõi: %(code)s. Chúng tôi sẽ báo kết quả.")
        % {"code": code}
    )


def staff_nothing() -> Reply:
    return Reply(
        _(
            "Hãy gửi trước tin nhắn, đường link hoặc số điện thoại cần cán bộ xem, rồi bấm "
            "“Hỏi cán bộ”."
        )
    )


def cancelled(*, had_report: bool) -> Reply:
    if had_report:
        return Reply(
            _("Đã huỷ tố giác đang làm; ảnh đã gửi cho tố giác này cũng đã xoá."), actions()
        )
    return Reply(_("Không có tố giác nào đang làm."), actions())


def stopped() -> Reply:
    return Reply(
        _(
            "Đã dừng: chúng tôi sẽ không nhắn tin báo kết quả cho bạn nữa. Nhắn “tiếp tục” "
            "nếu muốn nhận lại. Bạn vẫn gửi tin kiểm tra được như thường."
        )
    )


def resumed() -> Reply:
    return Reply(_("Đã bật lại: khi tố giác của bạn có kết quả, chúng tôi sẽ nhắn bạn."))


def image_received(count: int, limit: int, *, in_report: bool) -> Reply:
    text = _("Đã nhận ảnh làm bằng chứng (%(n)d/%(max)d).") % {"n": count, "max": limit}
    if in_report:
        return Reply(text)
    return Reply(
        text + " " + _("Ảnh sẽ được gửi kèm khi bạn bấm “Tố giác” hoặc “Hỏi cán bộ”."),
        actions(),
    )


def image_refused() -> Reply:
    """A file that is not an image the tipline keeps (a PDF, a broken or too large image)."""
    return Reply(
        _(
            "Chưa nhận được tệp này: chỉ nhận ảnh chụp màn hình dạng JPEG hoặc PNG, tối đa %(mb)d MB."
        )
        % {"mb": MAX_BYTES // (1024 * 1024)}
    )


def image_missing() -> Reply:
    return Reply(_("Không tải được ảnh này: hãy gửi lại ảnh chụp màn hình dạng JPEG hoặc PNG."))


def staff_description() -> str:
    return _("Người dân bấm “Hỏi cán bộ”: nhờ cán bộ xác minh xem giúp tin đã gửi.")


def too_many_images(limit: int) -> Reply:
    return Reply(_("Mỗi tố giác kèm được tối đa %(n)d ảnh; ảnh này không được giữ.") % {"n": limit})


def evidence_expired() -> str:
    return _("(Ảnh gửi từ lâu đã hết hạn giữ và không được kèm theo.)")


# --- follow-ups ------------------------------------------------------------------------------

OUTCOME_LISTED = "listed"
OUTCOME_CLEARED = "cleared"
OUTCOME_INSUFFICIENT = "insufficient_evidence"
OUTCOME_CLOSED = "closed"


def outcome_text(status: str, code: str) -> str:
    """The one follow-up message: the outcome of a report (reports.models.PublicStatus value)
    in plain words, with its tracking code."""
    if status == OUTCOME_LISTED:
        outcome = _(
            "đã được xác minh và đưa vào danh sách cảnh báo. Cảm ơn bạn đã giúp cảnh báo mọi người."
        )
    elif status == OUTCOME_CLEARED:
        outcome = _("đã được xác minh: chưa thấy dấu hiệu lừa đảo.")
    elif status == OUTCOME_INSUFFICIENT:
        outcome = _(
            "đã được xem xét nhưng chưa đủ bằng chứng để cảnh báo. Có thêm bằng chứng thì hãy "
            "tố giác lại."
        )
    else:
        outcome = _("đã được xử lý xong.")
    head = _("Kết quả tố giác mã %(code)s: %(outcome)s") % {"code": code, "outcome": outcome}
    tail = _("Chi tiết: %(url)s. Nhắn “dừng” nếu không muốn nhận tin này.") % {
        "url": tracking_url(code)
    }
    return f"{head}\n{tail}"
