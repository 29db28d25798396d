"""Check a URL against the list.

    manage.py check-url URL                      in this process, with the in-memory matcher
    manage.py check-url --private URL            through a server's hash-prefix API (the round
                                                 trip of lookup/client.py): only 4-byte prefixes
                                                 leave this machine
    manage.py check-url --private --server https://canhgiac.example.vn [--key KEY] [--sync] URL

--sync first downloads the server's prefix list, so that only prefixes found in it are sent.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lookup.client import PrivateClient, ServerError
from lookup.verdicts import INVALID, check_value


class Command(BaseCommand):
    help = "Tra cứu một URL trong danh sách cảnh báo (--private: qua API tiền tố băm)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument(
            "--private", action="store_true", help="chỉ gửi tiền tố băm 4 byte tới máy chủ"
        )
        parser.add_argument(
            "--server", default=None, help="địa chỉ máy chủ (mặc định CANHGIAC_SITE_URL)"
        )
        parser.add_argument("--key", default=None, help="khoá API đối tác (không bắt buộc)")
        parser.add_argument(
            "--sync", action="store_true", help="tải danh sách tiền tố trước, rồi mới hỏi"
        )

    def handle(
        self,
        *args: str,
        url: str,
        private: bool,
        server: str | None,
        key: str | None,
        sync: bool,
        **options: object,
    ) -> None:
        if private:
            return self._private(url, server or settings.SITE_URL, key, sync)
        check = check_value(url, "url")
        if check.status == INVALID:
            raise CommandError(check.error)
        self.stdout.write(f"{check.status}: {check.message()}")

    def _private(self, url: str, server: str, key: str | None, sync: bool) -> None:
        client = PrivateClient(server, api_key=key)
        try:
            if sync:
                local = client.sync()
                self.stdout.write(
                    f"Đã tải {len(local.prefixes)} tiền tố, phiên bản {local.version}."
                )
            result = client.check_url(url)
        except (ServerError, OSError) as error:
            raise CommandError(f"Không hỏi được máy chủ {server}: {error}") from error
        if result.asked_server:
            self.stdout.write(
                f"Đã gửi {result.prefixes_sent} tiền tố băm 4 byte; máy chủ không biết URL."
            )
        else:
            self.stdout.write("Không tiền tố nào có trong danh sách: không cần hỏi máy chủ.")
        if result.listed:
            for match in result.matches:
                self.stdout.write(
                    f"listed: {url} có trong danh sách cảnh báo ({match.category}; "
                    f"khớp {match.kind} {match.expression})."
                )
        else:
            self.stdout.write(f"not_listed: chưa có thông tin về {url} trong danh sách cảnh báo.")
