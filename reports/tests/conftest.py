import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Evidence files of each test land in a folder of their own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def media_files(_private_media):
    def files():
        root = _private_media
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return files


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Partner keys and rate-limit tokens are remembered per process (orgs.partners,
    lib.ratelimit.allow_reserved): a key id of an earlier test may come back in this one."""
    from lib.ratelimit import forget_reserved
    from orgs.partners import forget

    forget_reserved()
    forget()
    yield
    forget_reserved()
    forget()


@pytest.fixture
def still_clock():
    """The rate-limit windows stand still (lib.ratelimit.fixed_clock): a test's requests never
    fall on both sides of a minute boundary, where the count would start again."""
    from lib.ratelimit import fixed_clock

    with fixed_clock() as now:
        yield now
