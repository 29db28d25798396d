"""import_labelled_messages: provenance, the same text once, texts labelled both ways, bad rows by
line number (and a bad file imports nothing), progress, dry runs, and verifier labels winning."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from detection import classifier
from detection.analysis import SENDER_TYPES
from detection.importing import import_labelled_file
from detection.models import LabelledMessage, SenderType, select_training_texts, text_key
from detection.services import label_message
from lib.shared_data import shared_file

pytestmark = pytest.mark.django_db

# Written for these tests (never rows of ../shared/data).
SCAM = "Tai khoan cua ban bi khoa, dang nhap https://vcb-xacminh.top de mo lai ngay."
SCAM_ACCENTS = "Tài khoản của BẠN bị khoá, đăng nhập  https://vcb-xacminh.top để mở lại ngay."
ORDINARY = "Don hang 0123 cua ban da duoc giao thanh cong. Cam on ban da mua sam."
PRIZE = "Chuc mung ban trung thuong xe may, nop phi 500k de nhan qua."


def write_csv(tmp_path: Path, rows, header=("content", "label", "sender_type"), name="c.csv"):
    path = tmp_path / name
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_labelled_messages", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sender_types_are_the_ones_the_check_page_and_api_use():
    assert set(SenderType.values) - {""} == set(SENDER_TYPES)


def test_rows_are_stored_with_their_provenance(tmp_path):
    path = write_csv(tmp_path, [(SCAM, 1, "personal_number"), (ORDINARY, 0, "")])
    out, _ = run(path, "--source", "corpus_a", "--by", "Nguyễn Văn A")
    assert out.strip().splitlines()[-1].startswith("RESULT rows=2 added=2 ")
    scam = LabelledMessage.objects.get(label=1)
    assert scam.content == SCAM and scam.sender_type == "personal_number"
    assert (scam.source, scam.source_file, scam.source_line) == ("corpus_a", "c.csv", 2)
    assert scam.imported_at is not None and "Nguyễn Văn A" in scam.imported_by
    assert scam.labelled_by is None and scam.text_hash == text_key(SCAM)
    assert LabelledMessage.objects.get(label=0).source_line == 3


def test_the_same_folded_text_is_stored_once_and_a_reimport_adds_nothing(tmp_path):
    path = write_csv(tmp_path, [(SCAM, 1, ""), (SCAM_ACCENTS, 1, "unknown"), (ORDINARY, 0, "")])
    out, _ = run(path, "--source", "corpus_a")
    assert "added=2 duplicates=1 " in out
    out, _ = run(path, "--source", "corpus_a")
    assert "added=0 duplicates=1 present=2 " in out
    assert LabelledMessage.objects.count() == 2
    # Another corpus may hold the same text: provenance per source.
    run(path, "--source", "corpus_b")
    assert LabelledMessage.objects.count() == 4
    assert len(select_training_texts().texts) == 2  # trained on once


def test_a_text_labelled_both_ways_in_the_file_is_reported_and_not_trained_on(tmp_path):
    path = write_csv(tmp_path, [(SCAM, 1, ""), (ORDINARY, 0, ""), (SCAM_ACCENTS, 0, "")])
    out, _ = run(path, "--source", "corpus_a")
    assert "conflicts=1 " in out and "dòng 4: cùng nội dung với dòng 2" in out
    chosen = select_training_texts()
    assert [t.content for t in chosen.texts] == [ORDINARY] and chosen.conflicts == 1
    assert [e.content for e in classifier.load_labelled()] == [ORDINARY]


def test_a_text_another_source_labels_the_other_way_is_kept_out(tmp_path):
    run(write_csv(tmp_path, [(PRIZE, 1, "")], name="a.csv"), "--source", "corpus_a")
    out, _ = run(write_csv(tmp_path, [(PRIZE, 0, "")], name="b.csv"), "--source", "corpus_b")
    assert "conflicts=1 " in out and "nguồn corpus_a gán nhãn ngược lại" in out
    assert select_training_texts().texts == []


def test_a_verifier_label_wins_over_imported_labels_of_the_same_text(tmp_path):
    run(write_csv(tmp_path, [(PRIZE, 0, "brandname")], name="a.csv"), "--source", "corpus_a")
    run(write_csv(tmp_path, [(PRIZE, 1, "")], name="b.csv"), "--source", "corpus_b")
    assert select_training_texts().texts == []  # disputed, nobody decided yet
    label_message(content=PRIZE.upper(), label=1, source="report:7")
    chosen = select_training_texts()
    assert len(chosen.texts) == 1 and chosen.conflicts == 0 and chosen.overruled == 1
    text = chosen.texts[0]
    assert (text.label, text.source, text.sender_type) == (1, "verifier", "")
    example = classifier.load_labelled()[0]
    assert (example.label, example.source) == (1, "verifier")
    # An import after the verifier's label says so, and still does not change the outcome.
    out, _ = run(write_csv(tmp_path, [(PRIZE, 0, "")], name="c.csv"), "--source", "corpus_c")
    assert "overruled=1 " in out and "nhãn của cán bộ được dùng" in out
    assert [t.label for t in select_training_texts().texts] == [1]


def test_sender_type_is_passed_to_training_where_known(tmp_path):
    path = write_csv(tmp_path, [(SCAM, 1, "personal_number"), (ORDINARY, 0, "brandname")])
    run(path, "--source", "corpus_a")
    by_label = {e.label: e for e in classifier.load_labelled()}
    assert by_label[1].sender_type == "personal_number" and by_label[1].source == "corpus_a"
    assert by_label[0].sender_type == "brandname"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(tmp_path):
    rows = [
        (SCAM, 1, ""),  # line 2: good
        ("", 1, ""),  # 3: no content
        (ORDINARY, 2, ""),  # 4: label
        (ORDINARY, 0, "zalo"),  # 5: sender type
        ("x" * 5001, 1, ""),  # 6: too long
        ("abc\x00def", 0, ""),  # 7: binary
        (PRIZE, 1, "", "extra"),  # 8: a column too many
        ("Tin nhắn\nhai dòng", "ok", ""),  # 9-10: the record starts on line 9
        (PRIZE, 1, "shortcode"),  # 11: good
    ]
    path = write_csv(tmp_path, rows)
    with pytest.raises(CommandError, match="7 dòng lỗi: không nhập dòng nào"):
        run(path, "--source", "corpus_a")
    assert LabelledMessage.objects.count() == 0
    report = import_labelled_file(path=path, source="corpus_a", imported_by="test")
    assert [p.line for p in report.errors] == [3, 4, 5, 6, 7, 8, 9]
    messages = [str(p) for p in report.errors]
    assert messages[0] == "dòng 3: thiếu nội dung tin nhắn."
    assert "nhãn phải là 0 (bình thường) hoặc 1 (lừa đảo)" in messages[1]
    assert "loại người gửi “zalo” không rõ" in messages[2]
    assert "tin nhắn dài 5001 ký tự, tối đa 5000" in messages[3]
    assert "ký tự nhị phân" in messages[4] and "thừa cột" in messages[5]


@pytest.mark.parametrize(
    ("data", "line", "expected"),
    [
        (b"text,label\nabc,1\n", 1, "dòng tiêu đề phải là content,label"),
        (b"label,content\n1,abc\n", 1, "dòng tiêu đề phải là content,label"),
        (f"{SCAM},1\n".encode(), 1, "dòng tiêu đề phải là content,label"),
        (b"", 1, "dòng tiêu đề"),
        (b"content,label\n", 2, "không có dòng dữ liệu"),
        (b"content,label\nabc,1\n\xff\xfeabc,0\n", 3, "không phải UTF-8"),
        (b'content,label\nabc,1\n"abc,0\n', 3, "lỗi định dạng CSV"),
        ("content,label\nabc,1\n".encode("utf-16"), 1, "không phải UTF-8"),
    ],
)
def test_a_bad_file_is_refused_with_the_line(tmp_path, data, line, expected):
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    report = import_labelled_file(path=path, source="corpus_a", imported_by="test")
    assert not report.ok and report.errors[0].line == line
    assert expected in report.errors[0].message
    assert LabelledMessage.objects.count() == 0


def test_a_header_with_a_byte_order_mark_and_without_sender_type_is_fine(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(f"\ufeffContent,Label\n{ORDINARY},0\n".encode())
    report = import_labelled_file(path=path, source="corpus_a", imported_by="test")
    assert report.ok and report.added == 1 and LabelledMessage.objects.get().sender_type == ""


@pytest.mark.parametrize("name", ["", "seed", "Verifier", "report:1", "a b", "x" * 61])
def test_source_names_that_cannot_name_a_corpus_are_refused(tmp_path, name):
    path = write_csv(tmp_path, [(SCAM, 1, "")])
    with pytest.raises(CommandError):
        run(path, "--source", name)
    assert LabelledMessage.objects.count() == 0


def test_dry_run_reports_and_writes_nothing(tmp_path):
    path = write_csv(tmp_path, [(SCAM, 1, ""), (ORDINARY, 0, "")])
    out, _ = run(path, "--source", "corpus_a", "--dry-run")
    assert "Chạy thử, chưa lưu gì. Sẽ nhập 2 tin" in out and "dry_run=1" in out
    assert LabelledMessage.objects.count() == 0


def test_large_files_show_progress(tmp_path):
    rows = [(f"Ma xac thuc don hang so {n} cua ban la {n * 7}.", n % 2, "") for n in range(2500)]
    out, err = run(write_csv(tmp_path, rows), "--source", "corpus_a")
    assert "đã kiểm tra 1000 dòng" in err and "đã kiểm tra 2000 dòng" in err
    assert "đã lưu 2500/2500 dòng" in err
    assert "added=2500 " in out and LabelledMessage.objects.count() == 2500


def test_the_dev_corpus_imports_whole():
    dev_file = shared_file("sms/vi_sms_dev.csv")
    if dev_file is None:
        pytest.skip("../shared/data/sms/vi_sms_dev.csv is absent on this machine")
    with dev_file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    distinct = {(text_key(r["content"]), r["label"]) for r in rows}
    out, _ = run(dev_file, "--source", "vi_sms_dev")
    assert f"RESULT rows={len(rows)} added={len(distinct)} " in out
    assert LabelledMessage.objects.filter(source="vi_sms_dev").count() == len(distinct)
    scams = sum(1 for key, label in distinct if label == "1")
    assert LabelledMessage.objects.filter(label=1).count() == scams
    assert LabelledMessage.objects.exclude(sender_type="").count() == len(distinct)
    out, _ = run(dev_file, "--source", "vi_sms_dev")
    assert f"added=0 duplicates={len(rows) - len(distinct)} present={len(distinct)}" in out
