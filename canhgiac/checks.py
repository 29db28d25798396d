"""Deploy checks (`manage.py check --deploy`): settings a real province must set before the
site goes public, said in the operator's language."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

from lib.proxies import parse_networks

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 (names, no bind)


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """Feeds, mails, certificates and their QR codes carry SITE_URL: left at the default they
    send every reader to 127.0.0.1, the reader's own machine."""
    if settings.DEBUG:
        return []
    url = settings.SITE_URL
    parts = urlsplit(url)
    if (parts.hostname or "") in LOCAL_HOSTS:  # the default, http://127.0.0.1:8000, included
        return [
            checks.Warning(
                _("CANHGIAC_SITE_URL vẫn là địa chỉ mặc định (%(url)s).") % {"url": url},
                hint=_(
                    "Đặt CANHGIAC_SITE_URL là địa chỉ công khai của trang, ví dụ "
                    "https://canhgiac.example.gov.vn: nguồn tin, thư, giấy chứng nhận và mã QR "
                    "dùng địa chỉ này."
                ),
                id="canhgiac.W001",
            )
        ]
    if settings.HTTPS and parts.scheme != "https":
        return [
            checks.Warning(
                _("CANHGIAC_SITE_URL (%(url)s) không dùng https dù trang chạy sau HTTPS.")
                % {"url": url},
                hint=_("Đổi CANHGIAC_SITE_URL sang https://…"),
                id="canhgiac.W002",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_trusted_proxies(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """A mistyped proxy address would make every citizen share the proxy's limit again."""
    entries = tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    try:
        parse_networks(entries)
    except ValueError as error:
        return [
            checks.Error(
                _("CANHGIAC_TRUSTED_PROXIES có địa chỉ không hợp lệ: %(error)s") % {"error": error},
                hint=_("Mỗi mục là một địa chỉ IP hoặc một mạng, ví dụ 127.0.0.1 hay 10.0.0.0/24."),
                id="canhgiac.E001",
            )
        ]
    return []
