"""Helpers for the real-Chromium tests of every app."""

from playwright.sync_api import Error as PlaywrightError

from .testing import PASSWORD


def assert_fits_phone(page) -> None:
    """The page is no wider than the (360 px) screen: nothing to scroll sideways.

    Called right after a click that navigates, the old document may be gone and the
    new one not yet parsed (``document.documentElement`` is null, or the evaluation's
    context is destroyed): wait until a loaded document answers, never measure nothing.
    """
    for _ in range(20):
        page.wait_for_load_state("load")
        try:
            overflow = page.evaluate(
                "document.documentElement && document.readyState === 'complete'"
                " ? document.documentElement.scrollWidth - document.documentElement.clientWidth"
                " : null"
            )
        except PlaywrightError as error:
            if "context was destroyed" not in str(error):
                raise
            overflow = None
        if overflow is not None:
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError(f"{page.url} never finished loading")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def sign_in(page, base_url: str, username: str, *, next_path: str = "") -> None:
    """Sign in through the staff sign-in form, as a person would."""
    query = f"?next={next_path}" if next_path else ""
    page.goto(f"{base_url}/staff/login/{query}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
