"""Social profiles: Facebook, Zalo, Telegram and TikTok profile or page URLs, one form each.

Canonical values look like URLs without a scheme: "facebook.com/bvchoray",
"facebook.com/profile.php?id=1000123", "zalo.me/0912345678", "t.me/hotro_vcb",
"tiktok.com/@nguoiban". Names that the platform treats case-insensitively are lower-cased.
"""

import re

import phonenumbers

from .urlcanon import canonical_parts

PLATFORM_HOSTS = {
    "facebook.com": "facebook",
    "www.facebook.com": "facebook",
    "m.facebook.com": "facebook",
    "mbasic.facebook.com": "facebook",
    "web.facebook.com": "facebook",
    "touch.facebook.com": "facebook",
    "business.facebook.com": "facebook",
    "fb.com": "facebook",
    "www.fb.com": "facebook",
    "fb.me": "facebook",
    "zalo.me": "zalo",
    "www.zalo.me": "zalo",
    "oa.zalo.me": "zalo_oa",
    "t.me": "telegram",
    "www.t.me": "telegram",
    "telegram.me": "telegram",
    "www.telegram.me": "telegram",
    "tiktok.com": "tiktok",
    "www.tiktok.com": "tiktok",
    "m.tiktok.com": "tiktok",
    "vm.tiktok.com": "tiktok_short",
    "vt.tiktok.com": "tiktok_short",
}

# First path segments that are Facebook features, not people or pages.
_FACEBOOK_RESERVED = frozenset(
    """login login.php home.php watch share sharer sharer.php photo.php photo photos story.php
    permalink.php events marketplace hashtag help policies privacy settings search reel reels
    stories messages notifications friends gaming ads business l.php dialog plugins media
    bookmarks saved pages_manager recover checkpoint""".split()
)
_USERNAME = re.compile(r"[A-Za-z0-9._\-%]+")


def _first(query: str | None, name: str) -> str | None:
    for pair in (query or "").split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return value
    return None


def _facebook(segments: list[str], query: str | None) -> str:
    if not segments:
        raise ValueError("Đường dẫn Facebook này không chỉ tới trang cá nhân hay trang nào.")
    head = segments[0].lower()
    if head == "profile.php":
        profile_id = _first(query, "id")
        if profile_id and profile_id.isdigit():
            return f"facebook.com/profile.php?id={profile_id}"
        raise ValueError("Đường dẫn profile.php cần có số id, ví dụ profile.php?id=1000123.")
    if head in ("people", "pages") and len(segments) >= 3 and segments[2].isdigit():
        return f"facebook.com/profile.php?id={segments[2]}"
    if head == "groups" and len(segments) >= 2:
        return f"facebook.com/groups/{segments[1].lower()}"
    if head in _FACEBOOK_RESERVED or not _USERNAME.fullmatch(head):
        raise ValueError("Đường dẫn Facebook này không phải trang cá nhân, trang hay nhóm.")
    return f"facebook.com/{head}"


def _zalo(segments: list[str], official: bool) -> str:
    if not segments:
        raise ValueError("Đường dẫn Zalo cần có số điện thoại hoặc mã tài khoản.")
    if official:
        return f"oa.zalo.me/{segments[0]}"
    if segments[0] == "g" and len(segments) >= 2:
        return f"zalo.me/g/{segments[1]}"
    try:
        number = phonenumbers.parse(segments[0], "VN")
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and number.country_code == 84 and phonenumbers.is_valid_number(number):
        return f"zalo.me/0{number.national_number}"
    if not _USERNAME.fullmatch(segments[0]):
        raise ValueError("Mã tài khoản Zalo không hợp lệ.")
    return f"zalo.me/{segments[0]}"


def _telegram(segments: list[str]) -> str:
    if not segments:
        raise ValueError("Đường dẫn Telegram cần có tên tài khoản, ví dụ t.me/tentaikhoan.")
    head = segments[1] if segments[0] == "s" and len(segments) > 1 else segments[0]
    if head.startswith("+") or head == "joinchat":
        code = head if head.startswith("+") else "+" + (segments[1] if len(segments) > 1 else "")
        return f"t.me/{code}"  # invite codes are case-sensitive
    if not re.fullmatch(r"[A-Za-z0-9_]{3,64}", head):
        raise ValueError("Tên tài khoản Telegram chỉ gồm chữ, số và dấu gạch dưới.")
    return f"t.me/{head.lower()}"


def _tiktok(segments: list[str], host: str, short: bool) -> str:
    if short and segments:
        return f"{host}/{segments[0]}"
    if segments and segments[0].startswith("@") and len(segments[0]) > 1:
        name = segments[0][1:]
        if re.fullmatch(r"[A-Za-z0-9_.]{1,64}", name):
            return f"tiktok.com/@{name.lower()}"
    raise ValueError("Đường dẫn TikTok cần có tên tài khoản, ví dụ tiktok.com/@tentaikhoan.")


def social_profile(url: str) -> str | None:
    """The canonical profile a URL points to; None when the host is not a social platform;
    ValueError when it is one but the path is not a profile."""
    parts = canonical_parts(url)
    platform = PLATFORM_HOSTS.get(parts.host)
    if platform is None:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if platform == "facebook":
        return _facebook(segments, parts.query)
    if platform in ("zalo", "zalo_oa"):
        return _zalo(segments, official=platform == "zalo_oa")
    if platform == "telegram":
        return _telegram(segments)
    return _tiktok(segments, parts.host, short=platform == "tiktok_short")


def normalise_social(text: str) -> str:
    profile = social_profile(text)
    if profile is None:
        raise ValueError(
            "Đây không phải đường dẫn Facebook, Zalo, Telegram hay TikTok; hãy dán đường dẫn "
            "đầy đủ tới trang cá nhân."
        )
    return profile
