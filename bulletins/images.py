"""Images of bulletins are decoded and written again with Pillow: what is stored is pixels we
encoded, never the uploaded bytes, so metadata (EXIF GPS, camera serial), trailing payloads and
polyglot files do not survive, and a file that is not an image is refused."""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
MAX_SIDE = 1600  # wide enough for a phone at 3x and for Zalo/Facebook previews
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def reencode(upload: io.IOBase | bytes) -> ContentFile[bytes]:
    """A new JPEG (photos) or PNG (images with transparency) under a random name."""
    raw = upload if isinstance(upload, bytes) else upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("Ảnh quá lớn (tối đa 8 MB)."))
    try:
        with PILImage.open(io.BytesIO(raw)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("Chỉ nhận ảnh JPEG, PNG, WebP hoặc GIF."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("Ảnh có quá nhiều điểm ảnh."))
            probe.seek(0)  # first frame only: an animation is not kept
            image = ImageOps.exif_transpose(probe)
            image.load()
    except (UnidentifiedImageError, OSError, PILImage.DecompressionBombError) as exc:
        raise ValidationError(_("Tệp này không phải là ảnh đọc được.")) from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") and _has_alpha(image):
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        ext = "png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(12)}.{ext}")


def _has_alpha(image: PILImage.Image) -> bool:
    if image.mode == "P":
        return "transparency" in image.info
    return True
