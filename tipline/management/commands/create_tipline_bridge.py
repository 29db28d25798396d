"""`manage.py create_tipline_bridge --partner <partner key id> --callback <https URL>`: a bridge
for a partner's bot; prints its id and secret, shown this once only."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgs.models import PartnerKey
from tipline.signature import create_bridge


class Command(BaseCommand):
    help = "Tạo cầu nối trò chuyện cho bot của đối tác (in mã bí mật một lần duy nhất)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", type=int, required=True, help="Mã khoá API đối tác.")
        parser.add_argument("--callback", required=True, help="Địa chỉ nhận câu trả lời.")

    def handle(self, *args: Any, partner: int, callback: str, **options: Any) -> None:
        key = PartnerKey.objects.filter(pk=partner, revoked_at__isnull=True).first()
        if key is None:
            raise CommandError("Không có khoá API đối tác này (hoặc đã thu hồi).")
        if hasattr(key, "bridge"):
            raise CommandError("Đối tác này đã có cầu nối.")
        try:
            bridge, secret = create_bridge(partner=key, callback_url=callback)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"bridge={bridge.pk}\nsecret={secret}")
        self.stdout.write("Hãy lưu mã bí mật ngay: sẽ không hiện lại.")
