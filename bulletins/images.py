"""Images of bulletins are decoded and written again with Pillow: what is stored is pixels we
encoded, never the uploaded bytes, so metadata (EXIF GPS, camera serial, JPEG comments, ICC
profiles), trailing payloads and polyglot files do not survive, and a file that is not an image
is refused. The checks and the re-encoding are those of evidence files (reports.evidence); a
bulletin only adds its own size limits, smaller because the public downloads these images."""

from __future__ import annotations

import io
import secrets
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from reports.evidence import IMAGE_FORMATS, MAX_PIXELS, reencode_image

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600  # wide enough for a phone at 3x and for Zalo/Facebook previews


def reencode(upload: File[bytes] | bytes) -> ContentFile[bytes]:
    """A new JPEG (photos) or PNG (images with transparency) under a random name."""
    raw = upload if isinstance(upload, bytes) else upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("Ảnh quá lớn (tối đa 8 MB)."))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(raw), formats=IMAGE_FORMATS) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationError(_("Ảnh có quá nhiều điểm ảnh."))
                image.load()  # first frame only: an animation is not kept
                image.thumbnail((MAX_SIDE, MAX_SIDE))  # keeps the EXIF orientation to apply
                clean = reencode_image(image)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        PILImage.DecompressionBombError,
        PILImage.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise ValidationError(
            _("Tệp này không phải là ảnh đọc được. Hãy gửi ảnh JPEG, PNG, WebP hoặc GIF.")
        ) from exc
    return ContentFile(clean.content, name=f"{secrets.token_hex(12)}.{clean.extension}")
