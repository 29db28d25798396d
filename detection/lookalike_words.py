"""The word lists and reason texts of the look-alike scorer (lookalike.py): risky endings,
free hosting and short links, the words that make a name a login or prize page, and what each
finding says, in plain Vietnamese."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

_ = gettext_lazy

RISKY_TLDS = frozenset(
    """xyz top tk ml ga cf gq icu club online site vip cc live life shop store fun work click
    link sbs cfd bond buzz monster rest cyou quest lol mom bar pw ws info biz asia win bet today
    space website tech one pro me co""".split()
)

# Free hosting and site builders: anyone makes a page there in minutes. Matched against the
# host's public suffix (private part of the suffix list: x.github.io) or a parent name.
FREE_HOSTING = frozenset(
    """github.io githubusercontent.com blogspot.com blogger.com web.app firebaseapp.com
    vercel.app netlify.app pages.dev workers.dev herokuapp.com glitch.me weebly.com wixsite.com
    wordpress.com webflow.io 000webhostapp.com unaux.com rf.gd epizy.com ngrok.io ngrok-free.app
    ngrok.app azurewebsites.net r2.dev surge.sh replit.app repl.co onrender.com tumblr.com
    notion.site canva.site my.canva.site jimdofree.com jimdosite.com xtgem.com forumvi.com
    ddns.net dynv6.net ath.cx duckdns.org no-ip.org hopto.org zapto.org myftp.org sytes.net
    site123.me mystrikingly.com strikingly.com godaddysites.com square.site carrd.co
    framer.website framer.app webnode.vn webnode.page wix.com weeblysite.com
    mobirisesite.com tilda.ws gitbook.io""".split()
)
FREE_HOSTING_LABELS = max(name.count(".") + 1 for name in FREE_HOSTING)
# Hosts where pages live in the path: sites.google.com/view/<anything>.
PATH_SITE_BUILDERS = frozenset(
    {"sites.google.com", "docs.google.com", "forms.gle", "script.google.com", "forms.office.com"}
)
SHORTENERS = frozenset(
    """bit.ly tinyurl.com cutt.ly rb.gy is.gd shorturl.at s.id t.ly tiny.cc ow.ly v.gd
    shorten.asia rutgon.me bom.so goo.su clck.ru u.to t.co""".split()
)

# App deep-link services: each customer business gets a name under theirs ("shop.onelink.me")
# that opens its app. A brand name there is likely, not certainly, the brand's own link, and the
# service's ending (.link, .me) is not the sender's choice.
DEEP_LINK_PLATFORMS = frozenset(
    "go.link app.link onelink.me onelink.to page.link adj.st smart.link sng.link".split()
)
# Schools and universities register under edu.vn after VNNIC's checks: a name there is a known
# institution unless it still imitates a brand (phishing lists hold an "agribanks.edu.vn").
SCHOOL_SUFFIX = ".edu.vn"

# Words that turn a brand name into a login, prize or loan page, written as in domain names
# (no spaces, no diacritics). They also let a short brand word ("acb") count. Vietnamese ones and
# login words count for every brand; the generic English ones ("online", "pay") only for
# Vietnamese brands, because "google" and "facebook" own countless names like that.
VIETNAMESE_CONTEXT = frozenset(
    """xacthuc xacminh xacnhan baomat hotro cskh chamsoc khachhang taikhoan dangnhap dangky
    capnhat khoa mokhoa khoataikhoan hoantien nhanqua quatang trungthuong trian tritan sukien
    uudai khuyenmai vay vayvon vaytien vaynhanh tinchap tieudung tindung giaingan nganhang nh
    khcn tk ruttien naptien chuyentien thanhtoan hoadon thongbao trasoat giaodich vn vietnam""".split()
)
SECURITY_WORDS = frozenset(
    """login signin verify verification secure security account accounts update support help
    recovery unlock confirm otp auth check""".split()
)
GENERIC_WORDS = frozenset(
    """ebank ebanks ibank ebanking ibanking banking bank banks online wallet digital smart
    service services care pay card visa portal web app mobile vip""".split()
)
CONTEXT_WORDS = VIETNAMESE_CONTEXT | SECURITY_WORDS | GENERIC_WORDS
STRICT_CONTEXT = VIETNAMESE_CONTEXT | SECURITY_WORDS
# Account and prize words that make a name suspicious even without a brand in it.
THEME_WORDS = frozenset(
    """xacthuc xacminh khoataikhoan mokhoa taikhoan trasoat hoantien nhanqua trungthuong""".split()
)
# Prize, event and game-gift words that scam pages carry in their names.
SCAM_WORDS = frozenset(
    """nhanqua quatang trungthuong trian tritan sukien vongquay khuyenmai hoantien freefire
    lienquan lmht nhanskin nhanthuong phanthuong tangqua giaithuong qua2021 quamienphi""".split()
)
# Glue that may stand around a brand word in a name: "i-sacombank", "my-acb-bank".
FILLERS = frozenset("e i m v my the nh www viet nam vi so".split())
# Scripts with letters that look like Latin ones; mixing Latin with Han or Thai is ordinary.
LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "LISU"})
LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})


# Reasons are rendered when read, in the language of the request: results are cached.
REASONS = {
    "ip": _(
        "Đường link dùng địa chỉ IP thay cho tên miền: trang của tổ chức đàng hoàng không làm vậy."
    ),
    "same_name": _(
        "{host} mang đúng tên {brand} nhưng khác đuôi tên miền: trang chính thức là {official}."
    ),
    "brand_word": _(
        "Tên miền {host} chứa tên “{brand}” nhưng không phải tên miền chính thức {official}."
    ),
    "brand_subdomain": _(
        "Tên “{brand}” được đặt ở đầu địa chỉ {host}, nhưng trang thật sự thuộc tên miền "
        "{registrable}, không phải {official}."
    ),
    "brand_token": _(
        "Tên miền {host} ghép tên “{brand}” với từ ngữ về tài khoản, đăng nhập hoặc khuyến mãi, "
        "nhưng không phải trang chính thức {official}."
    ),
    "padded_token": _(
        "Tên miền {host} chỉ gồm tên “{brand}” ghép thêm chữ cái hoặc chữ số lẻ: kiểu tên miền "
        "dùng một lần để giả mạo, không phải trang chính thức {official}."
    ),
    "leet": _(
        "Tên miền {host} viết tên {brand} bằng chữ số thay cho chữ cái (0 thay o, 1 thay l): "
        "trang chính thức là {official}."
    ),
    "typo": _(
        "Tên miền {host} gần giống tên của {brand} ({official}), chỉ khác {distance} ký tự: kiểu "
        "tên miền hay dùng để lừa người đọc vội."
    ),
    "gov_fake": _(
        "{host} giả dạng trang của cơ quan nhà nước: trang chính thức của cơ quan nhà nước Việt "
        "Nam luôn có đuôi .gov.vn."
    ),
    "gov_inside": _(
        "{host} có “gov.vn” ở giữa để giả trang cơ quan nhà nước; trang thật luôn kết thúc bằng "
        ".gov.vn."
    ),
    "homoglyph": _(
        "Tên miền {host} (hiển thị là “{shown}”) dùng ký tự trông giống chữ Latinh để giả tên "
        "{brand}; trang chính thức là {official}."
    ),
    "mixed_script": _(
        "Tên miền {host} trộn chữ Latinh với chữ của bảng chữ cái khác (như chữ Nga, chữ Hy Lạp) "
        "trông giống hệt: dấu hiệu của trang giả mạo."
    ),
    "free_hosting": _(
        "Trang nằm trên dịch vụ tạo web miễn phí ({platform}): ai cũng tạo được trong vài phút; "
        "ngân hàng, cơ quan nhà nước không dùng trang như vậy."
    ),
    "risky_tld": _("Đuôi tên miền .{tld} rẻ, dễ đăng ký và thường bị dùng cho trang lừa đảo."),
    "scam_tld": _(
        "Tên miền {host} nói về quà tặng, sự kiện hoặc khuyến mãi trên đuôi .{tld} rẻ tiền: kiểu "
        "trang hay dùng để lừa lấy tài khoản."
    ),
    "scam_words": _(
        "Trang miễn phí {host} nói về quà tặng, sự kiện hoặc khuyến mãi: kiểu trang hay dùng để "
        "lừa lấy tài khoản."
    ),
    "account_words": _(
        "Tên miền {host} nói về xác minh, khoá tài khoản, hoàn tiền hoặc nhận quà ({words}): "
        "ngân hàng và cơ quan thật không đặt tên trang như vậy."
    ),
    "shortener": _(
        "Đường link rút gọn ({host}) che mất trang đích thật: đừng mở nếu không biết chắc người "
        "gửi."
    ),
    "brand_in_path": _(
        "Trang tự tạo trên {host} mang tên “{brand}”: {brand} không bao giờ dùng trang như vậy; "
        "trang chính thức là {official}."
    ),
    "deep_link": _(
        "{host} là đường link mở ứng dụng qua dịch vụ {registrable}, mang tên “{brand}”: dịch vụ "
        "này cho khách hàng tự đặt tên, nên chưa chắc đó là {brand} (trang chính thức {official})."
    ),
    "user_page": _("Trang do người dùng tự tạo trên {host}: ai cũng tạo được, hãy cẩn trọng."),
}
FOREIGN = _("Tuy vậy tên miền thuộc nước ngoài (.{tld}), ít khả năng nhắm vào Việt Nam.")
