"""Load the demo unit tree (one province, its communes and wards directly below: the two tiers of
local government since 1 July 2025) and one demo user per role. Safe to run again: nothing
duplicates, and a database loaded with an older demo tree keeps its units (re-parent them with
`reparent_units`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.management.base import BaseCommand
from django.db import transaction

from orgs.models import Role, RoleAssignment, Unit, User
from orgs.services import import_units_csv

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

UNITS_CSV = Path(__file__).resolve().parents[2] / "data" / "units.csv"

# user name, role, unit code, full name
DEMO_PEOPLE = [
    ("quantri", Role.ADMIN, "TINH", "Quản trị hệ thống"),
    ("xacminh.tinh", Role.VERIFIER, "TINH", "Xác minh viên cấp tỉnh"),
    ("xacminh.ph01", Role.VERIFIER, "PH-01", "Xác minh viên Phường An Phú"),
    ("bientap", Role.EDITOR, "TINH", "Biên tập viên"),
    ("quanly.ph01", Role.UNIT_MANAGER, "PH-01", "Quản lý Phường An Phú"),
    ("dientap", Role.DRILL_OPERATOR, "TINH", "Điều hành diễn tập"),
    ("canbo.ph01", Role.STAFF, "CA-PH-01", "Cán bộ Công an phường An Phú"),
]


class Command(BaseCommand):
    help = "Nạp cây đơn vị mẫu và người dùng mẫu (chạy lại không tạo trùng)."

    def handle(self, *args: object, **options: object) -> None:
        result = import_units_csv(text=UNITS_CSV.read_text(encoding="utf-8"))
        self.stdout.write(
            f"Đơn vị: thêm {len(result.created)}, đổi tên {len(result.renamed)}, "
            f"giữ nguyên {result.unchanged}."
        )
        created = self._create_people()
        if created:
            self.stdout.write("\nTài khoản mẫu (chỉ hiện một lần, hãy lưu lại):")
            for username, password, role in created:
                self.stdout.write(f"  {username:<14} {password}   ({role})")
            self.stdout.write(
                "Vai trò xác minh, biên tập, diễn tập và quản trị phải cài mã TOTP ở lần đăng "
                "nhập đầu tiên.\n"
            )
        else:
            self.stdout.write("Tài khoản mẫu đã có sẵn (mật khẩu đã in ở lần chạy đầu).")

    @transaction.atomic
    def _create_people(self) -> list[tuple[str, str, StrOrPromise]]:
        created: list[tuple[str, str, StrOrPromise]] = []
        for username, role, unit_code, full_name in DEMO_PEOPLE:
            if User.objects.filter(username=username).exists():
                continue
            unit = Unit.objects.get(code=unit_code)
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(
                username=username,
                password=password,
                first_name=full_name,
                home_unit=unit,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            RoleAssignment.objects.create(user=user, unit=unit, role=role)
            created.append((username, password, Role(role).label))
        return created
