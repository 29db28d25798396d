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
