"""A restart does not collect static files again when none changed (lib/storage.py), and
source maps are copied but never compressed."""

import os
from pathlib import Path

import pytest

from lib.storage import StaticStorage, collect_if_changed, stamp_path

SCRIPT = "console.log('xin chào');\n//# sourceMappingURL=app.js.map\n" * 40


@pytest.fixture
def static_site(settings, tmp_path):
    source = tmp_path / "nguon"
    source.mkdir()
    (source / "app.js").write_text(SCRIPT)
    (source / "app.js.map").write_text('{"version": 3, "mappings": "' + "AAAA;" * 2000 + '"}')
    (source / "site.css").write_text("body { font-family: sans-serif; }\n" * 40)
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "var" / "static"
    return source, Path(settings.STATIC_ROOT)


def test_static_files_are_collected_once_until_a_source_changes(static_site):
    source, root = static_site
    assert collect_if_changed() is True
    assert (root / "staticfiles.json").exists() and stamp_path().exists()
    assert collect_if_changed() is False  # nothing changed: skipped
    os.utime(source / "site.css", ns=(0, 1_000_000_000))  # as an edit or an upgrade does
    assert collect_if_changed() is True
    assert collect_if_changed() is False
    (root / "staticfiles.json").unlink()  # a removed collection is collected again
    assert collect_if_changed() is True


def test_source_maps_are_copied_but_never_compressed(static_site):
    _source, root = static_site
    collect_if_changed()
    names = {p.name for p in root.iterdir()}
    assert "app.js.gz" in names and ("site.css.br" in names or "site.css.gz" in names)
    maps = [n for n in names if ".map" in n]
    assert "app.js.map" in maps and len(maps) == 2  # the map and its hashed copy, no more
    assert not [n for n in maps if n.endswith((".gz", ".br"))]


def test_the_site_storage_skips_maps_and_keeps_whitenoise_own_skips():
    compressor = StaticStorage().create_compressor(extensions=None, quiet=True)
    assert not compressor.should_compress("ninja/redoc.standalone.js.map")
    assert not compressor.should_compress("orgs/logo.png")  # WhiteNoise's own list still holds
    assert compressor.should_compress("ninja/redoc.standalone.js")
