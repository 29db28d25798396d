"""Checking and cleaning evidence files before anything is stored.

Images (JPEG, PNG, WebP, GIF) are decoded with Pillow and re-encoded: only the pixels survive,
never EXIF (GPS position, phone model), ICC, XMP or comments; animations keep their first frame.
PDFs cannot be re-encoded with what the project ships, so they are checked (magic, end marker,
no JavaScript, launch actions or embedded files), stored as they came, and only ever sent to staff
as a download. The check reads names as a PDF reader does (`/Java#53cript` is `/JavaScript`) and
also inside compressed object streams, where modern writers put every dictionary.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is already far more than a screenshot
MAX_SIDE = 2560  # longer side after re-encoding: enough to read any screenshot
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Names that make a reader run code, open another program or carry files. /OpenAction and /AA
# are not in the set: most ordinary PDFs open at a page through /OpenAction, and an action they
# trigger can only be one of these (refused wherever it appears) or a harmless one (go to a page,
# a link the reader asks about).
PDF_DANGER = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"XFA"}
)
# Everything a reader inflates to look for dictionaries, for all object streams of one file
# together: an ordinary PDF's object streams are a few hundred kB; more is a zip bomb.
PDF_MAX_INFLATED = 20 * 1024 * 1024
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
# Outside strings: the start of a string or a comment, or the keyword that opens stream data.
_PDF_OUTSIDE = re.compile(rb"[(%]|(?<![^\x00\t\n\x0c\r ()<>\[\]{}/%])stream(?=[\r\n])")
_PDF_IN_STRING = re.compile(rb"[\\()]")
_PDF_FLATE = frozenset({b"FlateDecode", b"Fl"})


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


def read_upload(upload: UploadedFile, *, name: str | None = None) -> bytes:
    """The bytes of an uploaded file, refusing it before reading when it is too big."""
    name = _short(name or upload.name or "")
    if (upload.size or 0) > MAX_BYTES:
        raise ValidationError(_too_big_message(name))
    data: bytes = upload.read(MAX_BYTES + 1)
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
                return reencode_image(image)
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


def reencode_image(image: Image.Image) -> CleanFile:
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
    try:
        names = pdf_names(data)
    except UnreadablePDF:
        raise ValidationError(
            _(
                "Tệp PDF “%(name)s” có phần nén hoặc mã hoá không kiểm tra được nên không được "
                "nhận. Hãy gửi ảnh chụp màn hình thay cho tệp này."
            )
            % {"name": name}
        ) from None
    if names & PDF_DANGER:
        raise ValidationError(
            _(
                "Tệp PDF “%(name)s” chứa mã chạy tự động hoặc tệp đính kèm nên không được nhận. "
                "Hãy gửi ảnh chụp màn hình thay cho tệp này."
            )
            % {"name": name}
        )
    return CleanFile(data, "application/pdf", "pdf")


class UnreadablePDF(Exception):
    """An object stream the check cannot read (unknown filter, encrypted, corrupt, too big)."""


def pdf_names(data: bytes) -> set[bytes]:
    """Every name of the file's objects, #xx escapes decoded: outside stream data, and inside
    object streams. Other stream data (page content, fonts, images) is not read: a reader never
    takes objects from it, and its random bytes would now and then spell /JS."""
    outside, streams = _split_streams(data)
    names = _names(b" ".join(outside))
    budget = PDF_MAX_INFLATED
    for before, body in streams:
        # The stream's dictionary is in the text since the previous stream: everything named
        # there counts, so that a name hidden from a narrower guess of the dictionary still does.
        around = _name_list(before)
        if b"ObjStm" not in around:
            continue
        text = _object_stream(around, body, budget)
        budget -= len(text)
        names |= _names(text)
    return names


def _name_list(text: bytes) -> list[bytes]:
    return [
        _PDF_HEX.sub(lambda m: bytes([int(m[1], 16)]), raw) if b"#" in raw else raw
        for raw in _PDF_NAME.findall(text)
    ]


def _names(text: bytes) -> set[bytes]:
    return set(_name_list(text))


_PDF_FILTERS = frozenset(
    {b"ASCIIHexDecode", b"AHx", b"ASCII85Decode", b"A85", b"LZWDecode", b"LZW"}
    | {b"RunLengthDecode", b"RL", b"CCITTFaxDecode", b"CCF", b"DCTDecode", b"DCT"}
    | {b"JBIG2Decode", b"JPXDecode", b"Crypt"}
)


def _object_stream(around: list[bytes], body: bytes, budget: int) -> bytes:
    """The objects of an object stream as text, or UnreadablePDF."""
    flate = sum(1 for n in around if n in _PDF_FLATE)
    if any(n in _PDF_FILTERS for n in around) or flate > 1:
        raise UnreadablePDF("filter")
    if b"DecodeParms" in around or b"DP" in around or b"Predictor" in around:
        raise UnreadablePDF("predictor")  # rows filtered after inflating: names hidden again
    if not flate:
        if b"Filter" in around or b"F" in around:  # a filter given by reference: unknown
            raise UnreadablePDF("filter by reference")
        return body
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(body, budget + 1)
    except zlib.error:
        raise UnreadablePDF("corrupt") from None
    if len(text) > budget:
        raise UnreadablePDF("too big")
    if not inflater.eof:
        raise UnreadablePDF("truncated")
    return text


def _split_streams(data: bytes) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
    """The file cut at stream data, as a reader sees it: the keyword `stream` counts only
    outside strings and comments (else a string holding "stream" would hide what follows).
    Answers the parts outside, and for each stream the text before it and its data, up to the
    first `endstream`: a shorter guess than a reader's leaves more to check, never less."""
    outside: list[bytes] = []
    streams: list[tuple[bytes, bytes]] = []
    start = pos = 0
    while match := _PDF_OUTSIDE.search(data, pos):
        token = match.group()
        if token == b"(":
            pos = _string_end(data, match.end())
        elif token == b"%":
            eol = _PDF_EOL.search(data, match.end())
            pos = eol.end() if eol else len(data)
        else:
            body = match.end() + (2 if data.startswith(b"\r\n", match.end()) else 1)
            end = data.find(b"endstream", body)
            end = len(data) if end < 0 else end
            before = data[start : match.start()]
            outside.append(before)
            streams.append((before, data[body:end]))
            start = pos = end
    outside.append(data[start:])
    return outside, streams


_PDF_EOL = re.compile(rb"[\r\n]")


def _string_end(data: bytes, pos: int) -> int:
    """Where a literal string that opened just before pos ends: balanced parentheses, and a
    backslash escapes the next byte."""
    depth = 1
    while match := _PDF_IN_STRING.search(data, pos):
        token = match.group()
        if token == b"\\":
            pos = match.end() + 1
            continue
        pos = match.end()
        depth += 1 if token == b"(" else -1
        if depth == 0:
            return pos
    return len(data)


def clean_uploads(uploads: list[UploadedFile]) -> list[CleanFile]:
    """Every uploaded file cleaned, or ValidationError (all messages) and nothing kept."""
    if len(uploads) > MAX_FILES:
        raise ValidationError(_("Chỉ gửi được tối đa %(n)d tệp mỗi lần.") % {"n": MAX_FILES})
    cleaned: list[CleanFile] = []
    errors: list[ValidationError] = []
    for upload in uploads:
        try:
            cleaned.append(clean_file(read_upload(upload), upload.name or ""))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return cleaned
