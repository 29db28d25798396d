"""Helpers for the real-Chromium tests of every app."""

from .testing import PASSWORD


def assert_fits_phone(page) -> None:
    """The page is no wider than the (360 px) screen: nothing to scroll sideways."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def sign_in(page, base_url: str, username: str, *, next_path: str = "") -> None:
    """Sign in through the staff sign-in form, as a person would."""
    query = f"?next={next_path}" if next_path else ""
    page.goto(f"{base_url}/staff/login/{query}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
