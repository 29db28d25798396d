"""Checking and cleaning evidence files before anything is stored.

Images (JPEG, PNG, WebP, GIF) are decoded with Pillow and re-encoded: only the pixels survive,
never EXIF (GPS position, phone model), ICC, XMP or comments; animations keep their first frame.
PDFs cannot be re-encoded with what the project ships, so they are checked (magic, end marker,
no JavaScript, launch actions or embedded files in the readable part of the file), stored as they
came, and only ever sent to staff as a download.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is already far more than a screenshot
MAX_SIDE = 2560  # longer side after re-encoding: enough to read any screenshot
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_PDF_DANGER = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _too_big_message(name: str) -> str:
    return _("Tệp “%(name)s” quá lớn: mỗi tệp tối đa %(mb)d MB.") % {
        "name": name,
        "mb": MAX_BYTES // (1024 * 1024),
    }


def read_upload(upload, *, name: str | None = None) -> bytes:
    """The bytes of an uploaded file, refusing it before reading when it is too big."""
    name = _short(name or getattr(upload, "name", "") or "")
    if getattr(upload, "size", 0) > MAX_BYTES:
        raise ValidationError(_too_big_message(name))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_too_big_message(name))
    return data


def _short(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return name if len(name) <= 60 else name[:57] + "…"


def clean_file(data: bytes, name: str = "") -> CleanFile:
    """A file fit to store, or ValidationError with a Vietnamese message saying why not."""
    name = _short(name)
    if len(data) > MAX_BYTES:
        raise ValidationError(_too_big_message(name))
    if not data:
        raise ValidationError(_("Tệp “%(name)s” rỗng.") % {"name": name})
    if data.startswith(b"%PDF-"):
        return _clean_pdf(data, name)
    return _clean_image(data, name)


def _not_accepted(name: str) -> ValidationError:
    return ValidationError(
        _(
            "Tệp “%(name)s” không phải ảnh JPEG, PNG, WebP, GIF hay tệp PDF hợp lệ. Hãy gửi ảnh "
            "chụp màn hình hoặc tệp PDF."
        )
        % {"name": name}
    )


def _clean_image(data: bytes, name: str) -> CleanFile:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        _("Ảnh “%(name)s” có kích thước quá lớn (%(w)d×%(h)d điểm ảnh).")
                        % {"name": name, "w": width, "h": height}
                    )
                probe.verify()  # structure and checksums, before decoding any pixels
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
                image.load()
                return _reencode(image)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ):
        raise _not_accepted(name) from None


def _reencode(image: Image.Image) -> CleanFile:
    """Only the pixels, upright, at most MAX_SIDE wide or high, with no metadata at all."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image holds no info dictionary, hence no EXIF, ICC, XMP or comments to carry.
    pixels = Image.new(image.mode, image.size)
    pixels.paste(image)
    out = io.BytesIO()
    if has_alpha:
        pixels.save(out, format="PNG", optimize=True)
        return CleanFile(out.getvalue(), "image/png", "png")
    pixels.save(out, format="JPEG", quality=85, optimize=True)
    return CleanFile(out.getvalue(), "image/jpeg", "jpg")


def _clean_pdf(data: bytes, name: str) -> CleanFile:
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(
            _("Tệp PDF “%(name)s” bị hỏng hoặc chưa tải lên hết.") % {"name": name}
        )
    if _PDF_DANGER.search(data):
        raise ValidationError(
            _(
                "Tệp PDF “%(name)s” chứa mã chạy tự động hoặc tệp đính kèm nên không được nhận. "
                "Hãy gửi ảnh chụp màn hình thay cho tệp này."
            )
            % {"name": name}
        )
    return CleanFile(data, "application/pdf", "pdf")


def clean_uploads(uploads: list) -> list[CleanFile]:
    """Every uploaded file cleaned, or ValidationError (all messages) and nothing kept."""
    if len(uploads) > MAX_FILES:
        raise ValidationError(_("Chỉ gửi được tối đa %(n)d tệp mỗi lần.") % {"n": MAX_FILES})
    cleaned: list[CleanFile] = []
    errors: list[ValidationError] = []
    for upload in uploads:
        try:
            cleaned.append(clean_file(read_upload(upload), getattr(upload, "name", "")))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return cleaned
