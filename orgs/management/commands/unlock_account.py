from django.core.management.base import BaseCommand, CommandParser

from orgs.lockout import unlock_account


class Command(BaseCommand):
    help = (
        "Mở khoá đăng nhập của một tài khoản: bỏ thời gian chờ do nhập sai nhiều lần từ nhiều nơi "
        "và các khoá theo từng địa chỉ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Tên đăng nhập.")

    def handle(self, *args: object, username: str, **options: object) -> None:
        removed = unlock_account(username=username)
        if removed:
            self.stdout.write(f"Đã mở khoá tài khoản {username} ({removed} bản ghi).")
        else:
            self.stdout.write(f"Tài khoản {username} không bị khoá.")
