"""The kinds of indicator the platform knows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    URL = "url", _("Đường dẫn (URL)")
    DOMAIN = "domain", _("Tên miền")
    IP = "ip", _("Địa chỉ IP")
    PHONE = "phone", _("Số điện thoại")
    SENDER = "sender", _("Tên người gửi SMS hoặc đầu số ngắn")
    BANK_ACCOUNT = "bank_account", _("Số tài khoản ngân hàng hoặc ví điện tử")
    EMAIL = "email", _("Địa chỉ email")
    SOCIAL_PROFILE = "social_profile", _("Tài khoản mạng xã hội")
    CRYPTO_WALLET = "crypto_wallet", _("Ví tiền mã hoá")


# Kinds matched as Safe Browsing host/path expressions; every other kind matches its exact value.
WEB_KINDS = frozenset({Kind.URL, Kind.DOMAIN, Kind.IP})
