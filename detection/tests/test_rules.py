"""The explainable rules for Vietnamese scam messages, with and without diacritics."""

import pytest

from detection.rules import RULES, evaluate
from detection.text import fold


def codes(message: str) -> set[str]:
    hits, _ = evaluate(fold(message))
    return {hit.code for hit in hits}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # deadlines and urgency
        ("Tài khoản sẽ bị khóa nếu không xác minh trong vòng 24h.", {"deadline", "account_lock"}),
        ("Thanh toan truoc 17h hom nay de tranh bi khoi kien.", {"deadline", "debt_overdue"}),
        # threats of arrest
        ("Công an thông báo bạn liên quan đường dây rửa tiền, sẽ bị bắt giữ.", {"arrest_threat"}),
        (
            "Ban co lenh trieu tap, lam viec truc tuyen qua Zalo, khong duoc noi voi ai.",
            {"arrest_threat", "secrecy"},
        ),
        # debt collection
        (
            "Khoản vay quá hạn, chúng tôi sẽ gửi thông tin đến người thân và đến tận nhà.",
            {"debt_overdue", "debt_threat"},
        ),
        # OTP and passwords
        ("Anh đọc giúp em mã OTP vừa gửi về máy nhé.", {"otp_request"}),
        ("Vui long cung cap ten dang nhap, mat khau va ma OTP de mo khoa.", {"otp_request"}),
        ("Gửi ảnh chụp 2 mặt CCCD và ảnh chân dung qua Zalo.", {"card_data"}),
        # safe accounts
        (
            "Chuyển toàn bộ tiền vào tài khoản an toàn để cơ quan điều tra xác minh.",
            {"safe_account"},
        ),
        ("Chuyen tien vao tai khoan tam giu cua co quan dieu tra.", {"safe_account"}),
        # apps
        ("Tải ứng dụng VNeID bản mới tại vneid-gov.com/app.apk để cập nhật.", {"apk"}),
        ("Cai dat AnyDesk de nhan vien ho tro tu xa.", {"remote_app"}),
        ("Tải ứng dụng Dịch vụ công tại dichvucong-app.com để hoàn tất.", {"install_app"}),
        # jobs and tasks
        ("Tuyển CTV làm tại nhà, lương 500k/ngày, không cần kinh nghiệm.", {"job_offer"}),
        ("Nhiệm vụ chốt đơn hoàn vốn và hoa hồng 20%.", {"task_scam"}),
        ("Nap them 3 trieu de duoc rut tien hoa hong.", {"pay_to_unlock"}),
        ("Tuyển nhân viên nhập liệu tại nhà, đóng phí đồng phục 300k.", {"job_fee"}),
        # fees for prizes and parcels
        (
            "Chúc mừng bạn trúng thưởng xe SH, nộp phí vận chuyển 350.000đ để nhận.",
            {"prize", "prize_fee"},
        ),
        (
            "Buu pham bi giu tai hai quan, dong phi thong quan 2 trieu de nhan.",
            {"parcel_fee", "parcel_held"},
        ),
        # loans, investment, family, others
        (
            "Hồ sơ vay đã duyệt, đóng phí bảo hiểm khoản vay để được giải ngân.",
            {"loan", "loan_fee"},
        ),
        ("Lợi nhuận 30%/tháng, cam kết hoàn vốn, vào nhóm VIP.", {"investment"}),
        (
            "Mẹ ơi con bị tai nạn đang cấp cứu, mẹ chuyển giúp con 20 triệu.",
            {"emergency", "emergency_money"},
        ),
        ("Nha cai uy tin, nap lan dau tang 100%.", {"gambling"}),
        (
            "Mình chuyển nhầm 2 triệu, bạn chuyển trả lại giúp mình vào tài khoản khác.",
            {"wrong_transfer"},
        ),
        ("Nâng cấp SIM 4G lên 5G miễn phí qua link.", {"sim_upgrade"}),
        ("Điện lực sẽ cắt điện tối nay nếu không thanh toán.", {"utility_cut"}),
        ("Nop tien vao tai khoan ca nhan cua nhan vien thu ngan.", {"personal_account"}),
    ],
)
def test_scam_patterns_are_recognised(message, expected):
    assert expected <= codes(message), (message, codes(message))


@pytest.mark.parametrize(
    ("message", "absent", "present"),
    [
        # A real OTP notice carries the code and says never to share it.
        (
            "Ma OTP cua Quy khach la 482913. Tuyet doi KHONG cung cap ma OTP cho bat ky ai.",
            {"otp_request"},
            {"otp_notice"},
        ),
        (
            "Techcombank không bao giờ yêu cầu khách hàng cung cấp mã OTP.",
            {"otp_request"},
            {"awareness"},
        ),
        # A warning describes what crooks do: the scam phrases in it do not count.
        (
            "BIDV cảnh báo: kẻ gian giả danh công an yêu cầu chuyển tiền vào tài khoản an toàn.",
            {"safe_account", "arrest_threat"},
            {"awareness"},
        ),
        # Balance alerts and official channels.
        ("VCB: TK 0071xxx -1,250,000VND luc 08:14. SD: 8,432,100VND.", set(), {"balance_notice"}),
        (
            "Dang ky goi V120 soan V120 gui 191. Tu choi QC soan TC gui 199.",
            set(),
            {"official_channel"},
        ),
        # Ordinary life.
        ("Điện thoại con hết pin, lát con về đến nhà sẽ gọi mẹ.", {"debt_threat"}, set()),
        (
            "CSGT: phuong tien vi pham duoc ghi nhan qua camera, den Doi CSGT giai quyet.",
            {"prize"},
            set(),
        ),
        ("Viettel tang toc do Internet len gap doi, khong tang gia.", {"investment"}, set()),
        ("Don hang ao khoac cua ban da gui, ma van don GHN123.", {"task_scam"}, set()),
    ],
)
def test_ordinary_messages_and_warnings_are_not_mistaken(message, absent, present):
    hits, found = evaluate(fold(message))
    triggered = {hit.code for hit in hits}
    assert not (absent & triggered), (message, triggered)
    assert present <= triggered, (message, triggered)


def test_rules_work_without_diacritics_the_same():
    with_marks = "Chúc mừng bạn trúng thưởng, nộp phí vận chuyển để nhận quà."
    without = "Chuc mung ban trung thuong, nop phi van chuyen de nhan qua."
    assert codes(with_marks) == codes(without)


def test_every_weighted_rule_explains_itself_in_vietnamese():
    for rule in RULES:
        if rule.weight != 0:
            assert len(str(rule.reason)) > 20, rule.code
        if rule.pattern is None:
            assert rule.needs, rule.code


def test_hits_are_sorted_strongest_first():
    hits, _ = evaluate(fold("Công an: chuyển tiền vào tài khoản an toàn trong vòng 2 giờ."))
    weights = [hit.weight for hit in hits]
    assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Nhan lam moi loai bang lai, bang dai hoc, can cuoc, giao tan noi.", {"fake_documents"}),
        ("Em nhận đi qua đêm, phục vụ tận nơi cho anh, kết bạn Zalo nhé.", {"adult_service"}),
        ("Xe cua ban co bien ban vi pham chua nop phat, goi ngay can bo.", {"traffic_fine"}),
        ("Thuê bao sẽ bị khóa, bấm phím 1 để gặp tổng đài viên.", {"press_key", "account_lock"}),
        ("Nap dau tang 100%, ty le cuoc cao, thang rut ngay.", {"gambling"}),
        (
            "Ban da tron tranh, bat hop tac, chung toi lien he nguoi than - gia dinh ngay.",
            {"debt_threat"},
        ),
        ("Tuyen ctv lam tai nha, nhan viec qua Zalo truong nhom.", {"job_offer", "job_chat"}),
        # Spam spellings that drop letters, and odds on several matches at once.
        ("Nap 2 thuog 2, tile cuocmanh, rut trong 3 phut.", {"gambling"}),
        ("Dat cuoc vao 4+ tran toi nay, hoan 5% neu thua.", {"gambling"}),
        ("Minh nhan lam cac loai giay phep xay dung, dang ky xe nhanh.", {"fake_documents"}),
    ],
)
def test_newer_scam_patterns(message, expected):
    assert expected <= codes(message)


def test_a_message_that_carries_the_otp_is_a_notice_not_a_request():
    found = codes("Vui long nhap ma OTP 481920 de xac thuc trong 3 phut.")
    assert "otp_notice" in found and "otp_request" not in found
    assert "otp_request" in codes("Vui long nhap ma OTP vua nhan duoc vao trang nay.")


def test_cashback_and_a_fish_stall_are_not_gambling():
    assert "gambling" not in codes("Hoan tien 10% moi giao dich the tin dung.")
    assert "gambling" not in codes("Mai chi ban ca tuoi o cho, em ghe lay nha.")
    assert "gambling" not in codes("Ty le cuoc goi thanh cong cua tong dai da tang.")
    assert "gambling" not in codes("Cuoc vao 2 gio chieu nay o nha van hoa, moi ca nha den.")


def test_words_broken_by_odd_marks_count_as_obfuscation():
    from detection.rules import OBFUSCATION_MIN, broken_words

    assert broken_words(fold("N'ap~V,ao^ L'an Da$u T'ang nh@n th0ng")) >= OBFUSCATION_MIN
    assert broken_words(fold("Thu 2 Toan;Van;Anh. Don't share it, e di hoc nhe")) == 0
