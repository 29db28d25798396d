"""PDF evidence: the check for JavaScript, launch actions and embedded files reads names as a PDF
reader does (hex escapes decoded) and looks inside compressed object streams."""

import zlib

import pytest
import weasyprint
from django.core.exceptions import ValidationError

from reports.evidence import PDF_MAX_INFLATED, clean_file

DANGER = "mã chạy tự động"
UNREADABLE = "không kiểm tra được"


def pdf(*objects: bytes) -> bytes:
    """A small PDF of the given objects (numbered from 1), with a trailer and the end marker."""
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (n, obj) for n, obj in enumerate(objects, 1))
    return b"%PDF-1.7\n" + body + b"trailer\n<</Root 1 0 R>>\n%%EOF\n"


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<<%s/Length %d>>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def object_stream(*objects: bytes, filters: bytes = b"/Filter/FlateDecode", encode=zlib.compress):
    """An object stream holding the given objects (numbered from 10), as modern writers put
    every dictionary of a file."""
    offsets, text = [], b""
    for n, obj in enumerate(objects, 10):
        offsets.append(b"%d %d" % (n, len(text)))
        text += obj + b"\n"
    header = b" ".join(offsets) + b"\n"
    data = encode(header + text)
    meta = b"/Type/ObjStm/N %d/First %d%s" % (len(objects), len(header), filters)
    return stream(meta, data)


CATALOG = b"<</Type/Catalog/Pages 2 0 R/OpenAction 10 0 R>>"
PAGES = b"<</Type/Pages/Kids[]/Count 0>>"


def refused(data: bytes) -> str:
    with pytest.raises(ValidationError) as error:
        clean_file(data, "bao-cao.pdf")
    return " ".join(error.value.messages)


@pytest.mark.parametrize(
    "action",
    [
        b"<</S/Java#53cript/Foo(app.alert(1))>>",
        b"<</S/URI/J#53 (app.alert(1))>>",
        b"<</S/#4Aava#53cript>>",
        b"<</S/#4c#61unch/F(cmd.exe)>>",
        b"<</Names<</Embedded#46iles 5 0 R>>>>",
    ],
)
def test_hex_escaped_names_are_read_as_a_reader_reads_them(action):
    message = refused(pdf(CATALOG, PAGES, action))
    assert DANGER in message and "bao-cao.pdf" in message


def test_javascript_inside_a_compressed_object_stream_is_found():
    action = b"<</S/JavaScript/JS(app.alert('x'))>>"
    data = pdf(CATALOG, PAGES, object_stream(action))
    assert b"JavaScript" not in data  # invisible to a scan of the bytes
    assert DANGER in refused(data)


def test_the_word_stream_inside_a_string_does_not_hide_what_follows():
    action = b"<</T(a stream\n)/S/JavaScript/JS(app.alert(1))/U(endstream)>>"
    assert DANGER in refused(pdf(CATALOG, PAGES, action))


def test_a_zip_bomb_in_an_object_stream_is_refused_without_inflating_it_all():
    bomb = zlib.compress(b"0" * (PDF_MAX_INFLATED + 1024 * 1024), 9)
    assert len(bomb) < 100_000
    meta = b"/Type/ObjStm/N 1/First 5/Filter/FlateDecode"
    assert UNREADABLE in refused(pdf(CATALOG, PAGES, stream(meta, bomb)))


@pytest.mark.parametrize(
    "packed",
    [
        # Inflated twice: once is not enough to see the names.
        object_stream(
            b"<</S/JavaScript>>",
            filters=b"/Filter[/FlateDecode/FlateDecode]",
            encode=lambda d: zlib.compress(zlib.compress(d)),
        ),
        # A filter the check does not undo.
        object_stream(
            b"<</S/JavaScript>>",
            filters=b"/Filter/ASCIIHexDecode",
            encode=lambda d: d.hex().encode(),
        ),
        # Encrypted or corrupt: not zlib at all.
        object_stream(b"<</S/URI>>", encode=lambda d: bytes(b ^ 0x5A for b in zlib.compress(d))),
        # Cut short.
        object_stream(b"<</S/URI>>", encode=lambda d: zlib.compress(d)[:-6]),
    ],
    ids=["flate-twice", "ascii-hex", "not-zlib", "cut-short"],
)
def test_an_object_stream_that_cannot_be_read_is_refused(packed):
    assert UNREADABLE in refused(pdf(CATALOG, PAGES, packed))


def test_an_ordinary_pdf_with_object_streams_passes():
    data = weasyprint.HTML(
        string="<h1>Sao kê</h1><p>Xin chào</p><a href='https://example.com'>liên kết</a>"
    ).write_pdf()
    assert b"/ObjStm" in data  # WeasyPrint packs its dictionaries: the inflating path is used
    cleaned = clean_file(data, "sao-ke.pdf")
    assert cleaned.content == data and cleaned.content_type == "application/pdf"


def test_an_ordinary_object_stream_and_names_in_page_content_pass():
    """Page content, fonts and images are stream data a reader never takes objects from: a
    `/JS` there (a font resource name, or random compressed bytes) is not an action."""
    content = stream(b"", b"BT /JS 12 Tf (Xin chao) Tj ET")
    packed = object_stream(b"<</S/GoTo/D[0 /Fit]>>", b"<</Type/Annot/Subtype/Link>>")
    data = pdf(CATALOG, PAGES, content, packed)
    assert clean_file(data, "a.pdf").content == data
