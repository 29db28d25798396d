"""respond(): what the tipline answers to a message, and the reports a conversation makes."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError
from PIL import Image

from indicators.services import list_indicator
from orgs.models import PartnerKey
from orgs.reparent import reparent_units
from orgs.services import import_units_csv
from reports.drafts import forget_old_drafts
from reports.models import Evidence, Report
from reports.tests.factories import MINIMAL_PDF, jpeg_with_exif
from tipline.conversation import Incoming, respond
from tipline.models import Conversation, State, TiplineBridge, TipReport
from tipline.tests.chat_world import (  # noqa: F401 (fixtures)
    LOOKALIKE_LINK,
    SCAM_SMS,
    VCB_HOTLINE,
    Chat,
    chat_fixture,
    jpeg,
    matcher_fixture,
    media_files,
    media_fixture,
    new_chat,
    payloads,
    texts,
)

# The intake tests' autouse fixture empties the (database) cache: the database comes first.
pytestmark = pytest.mark.django_db

ACTIONS = ["#to_giac", "#hoi_can_bo", "#huong_dan"]


def _report_in_three_replies(chat: Chat, commune: str = "Phường Bình Thạnh") -> str:
    chat.say("#to_giac")
    chat.say("Có người nhắn giả Vietcombank bảo bấm link, tôi đã nhập mã OTP.")
    chat.say("2tr5")
    return texts(chat.say(commune))


# --- checking ------------------------------------------------------------------------------


def test_a_scam_sms_gets_high_risk_with_reasons_and_the_three_quick_replies(chat: Chat) -> None:
    (reply,) = chat.say(SCAM_SMS)
    assert reply.text.startswith("RỦI RO CAO")
    assert "Lý do:" in reply.text and reply.text.count("\n• ") >= 3
    assert "vietcombank.com.vn" in reply.text  # the reason and the advice name the real site
    assert "an toàn" not in reply.text.lower()
    assert len(reply.text) < 2000
    assert payloads(reply) == ACTIONS
    last = chat.reload().draft["last"]
    assert last["text"] == SCAM_SMS and "risk" not in last  # the answer said "RỦI RO CAO"
    assert ["url", "https://vietcombank-xacthuc.com/login"] in last["indicators"]


def test_a_bare_lookalike_link_is_suspicious_with_the_brand_and_its_official_address(
    chat: Chat,
) -> None:
    (reply,) = chat.say(LOOKALIKE_LINK)
    assert reply.text.startswith("CÓ DẤU HIỆU GIẢ MẠO Vietcombank")
    assert "Địa chỉ chính thức của Vietcombank: vietcombank.com.vn" in reply.text
    assert "an toàn" not in reply.text.lower()
    assert payloads(reply) == ACTIONS
    assert chat.reload().draft["last"]["scam_type"] == "fake_website"


def test_a_bare_hotline_number_is_the_official_hotline(chat: Chat) -> None:
    (reply,) = chat.say(VCB_HOTLINE)
    assert reply.text.startswith("Tổng đài chính thức của Vietcombank")
    assert "tự gọi lại số này" in reply.text
    assert payloads(reply) == ACTIONS


def test_an_unknown_mobile_number_says_what_it_is_and_never_that_it_is_safe(chat: Chat) -> None:
    (reply,) = chat.say("0987 654 321")
    assert reply.text.startswith("CHƯA CÓ THÔNG TIN")
    assert "Số này là số di động Viettel" in reply.text
    assert "an toàn" not in reply.text.lower()


def test_a_listed_value_says_so_with_its_public_reason(chat: Chat) -> None:
    list_indicator(
        kind="domain", value="vcb-xac-thuc.com", category="phishing", public_reason="Trang giả."
    )
    (reply,) = chat.say("vcb-xac-thuc.com")
    assert reply.text.startswith("CẢNH BÁO: có trong danh sách lừa đảo")
    assert "Lý do: Trang giả." in reply.text


def test_a_greeting_or_a_sticker_gets_short_help(chat: Chat) -> None:
    for said in ("alo", "xin chào bạn"):
        (reply,) = chat.say(said)
        assert reply.text.startswith("Chưa hiểu tin này"), said
        assert payloads(reply) == ACTIONS
    event = chat.event("other")
    (reply,) = chat.play(Incoming(kind="other"), event)
    assert reply.text.startswith("Chưa hiểu tin này")
    assert "last" not in chat.reload().draft


def test_help_lists_what_can_be_sent_and_the_commands(chat: Chat) -> None:
    (reply,) = chat.say("Hướng dẫn")
    for word in ("Tố giác", "Hỏi cán bộ", "dừng", "tiếp tục", "ảnh"):
        assert word in reply.text
    assert texts(chat.say("#huong_dan")) == reply.text


def test_a_text_over_4000_characters_is_cut_with_a_note(chat: Chat) -> None:
    (reply,) = chat.say(SCAM_SMS + " " + "x" * 5000)
    assert reply.text.startswith("(Tin quá dài: chỉ xem 4000 ký tự đầu.)")
    assert len(chat.reload().draft["last"]["text"]) <= 4000


# --- "Tố giác" -----------------------------------------------------------------------------


def test_a_report_in_three_replies_makes_a_zalo_report_with_unit_money_and_tracking_code(
    chat: Chat,
) -> None:
    chat.say(SCAM_SMS)
    (first,) = chat.say("Tố giác")
    assert "bước 1/3" in first.text and chat.reload().state == State.REPORT_WHAT
    (second,) = chat.say("Có người nhắn giả Vietcombank bảo bấm link, tôi đã nhập mã OTP.")
    assert "Bước 2/3" in second.text
    (third,) = chat.say("2tr5")
    assert "Bước 3/3" in third.text
    (done,) = chat.say("phuong binh thanh")
    report = Report.objects.get()
    assert report.source == "zalo" and report.channel == "sms"
    assert report.unit == chat.world.unit("W-BT")
    assert report.money_lost == 2_500_000
    assert report.description.startswith("Có người nhắn giả Vietcombank")
    assert report.message_text == SCAM_SMS
    assert ["url", "https://vietcombank-xacthuc.com/login"] in report.indicator_keys
    assert report.scam_type != "other"  # the analysis named what it looks like
    assert report.tracking_code in done.text and "/to-giac/theo-doi/" in done.text
    tip = TipReport.objects.get()
    assert tip.report == report and tip.conversation == chat.conversation and not tip.asked_staff
    conversation = chat.reload()
    assert conversation.state == State.IDLE and "report" not in conversation.draft


def test_money_in_words_and_none_lost(chat: Chat) -> None:
    chat.say("#to_giac")
    chat.say("Bị lừa chuyển tiền")
    (again,) = chat.say("nhiều lắm")
    assert "Không hiểu số tiền" in again.text and chat.reload().state == State.REPORT_MONEY
    (asked,) = chat.say("không")
    assert "Bước 3/3" in asked.text
    chat.say("Phường Bình Thạnh")
    assert Report.objects.get().money_lost == 0


def test_re_running_respond_for_the_same_event_makes_no_second_report(chat: Chat) -> None:
    chat.say(SCAM_SMS)
    chat.say("#to_giac")
    chat.say("Bị lừa")
    chat.say("500.000")
    before = Conversation.objects.get(pk=chat.conversation.pk)  # the state before the last step
    event = chat.event("text", "Phường Bình Thạnh")
    incoming = Incoming(kind="text", text="Phường Bình Thạnh")
    first = chat.play(incoming, event)
    # The same event again (the worker died before storing the answers): the same answers.
    again = respond(conversation=chat.reload(), incoming=incoming, event=event)
    assert texts(again) == texts(first)
    # Again from the state before it (the conversation's save was lost): still one report.
    replayed = respond(conversation=before, incoming=incoming, event=event)
    assert Report.objects.count() == 1 and TipReport.objects.count() == 1
    assert Report.objects.get().tracking_code in texts(replayed)


def test_a_crash_after_the_report_is_made_still_answers_its_tracking_code_on_the_re_run(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat.say("#to_giac")
    chat.say("Bị lừa")
    chat.say("0")
    saves: list[object] = []
    save = Conversation.save

    def second_save_fails(self: Conversation, *args: Any, **kwargs: Any) -> None:
        saves.append(self)
        if len(saves) > 1:  # the worker dies once the report's transaction has committed
            raise DatabaseError("server closed the connection unexpectedly")
        save(self, *args, **kwargs)

    monkeypatch.setattr(Conversation, "save", second_save_fails)
    event = chat.event("text", "Phường Bình Thạnh")
    incoming = Incoming(kind="text", text="Phường Bình Thạnh")
    try:
        chat.play(incoming, event)
    except DatabaseError:
        pass
    monkeypatch.undo()
    again = respond(conversation=chat.reload(), incoming=incoming, event=event)
    report = Report.objects.get()
    assert report.tracking_code in texts(again) and "Đã nhận tố giác" in texts(again)


def test_the_old_name_of_a_merged_commune_files_the_report_under_its_successor(
    chat: Chat,
) -> None:
    reparent_units(text="old_code,new_code\nD1-C1,W-BT\n")  # "Xã Một Một" became part of it
    texts_said = _report_in_three_replies(chat, commune="xa mot mot")
    report = Report.objects.get()
    assert report.unit == chat.world.unit("W-BT") and report.tracking_code in texts_said


def test_a_profile_link_in_a_message_is_reported_once_as_the_profile(chat: Chat) -> None:
    message = (
        "Chi oi em ban hang online, vao day xem nhe https://www.facebook.com/shop.gia.re.99 "
        "chuyen khoan truoc 50% la giu hang"
    )
    chat.say(message)
    chat.say("#hoi_can_bo")
    report = Report.objects.get()
    assert report.indicator_keys == [["social_profile", "facebook.com/shop.gia.re.99"]]


def test_a_commune_name_of_several_places_is_asked_again_with_choices(chat: Chat) -> None:
    chat.say("#to_giac")
    chat.say("Bị lừa")
    chat.say("0")
    (choices,) = chat.say("an phu")
    assert "Có nhiều nơi tên “an phu”" in choices.text
    offered = [p for p in payloads(choices) if p.startswith("#don_vi:")]
    ward, commune = chat.world.unit("W-AP"), chat.world.unit("D2-AP")
    assert sorted(offered) == sorted([f"#don_vi:{ward.pk}", f"#don_vi:{commune.pk}"])
    assert Report.objects.count() == 0 and chat.reload().state == State.REPORT_COMMUNE
    # A unit that was not offered is not taken, even if it exists.
    chat.say(f"#don_vi:{chat.world.unit('W-BT').pk}")
    assert Report.objects.count() == 0
    chat.say(f"#don_vi:{commune.pk}")
    assert Report.objects.get().unit == commune


def test_an_unknown_commune_name_offers_close_names(chat: Chat) -> None:
    chat.say("#to_giac")
    chat.say("Bị lừa")
    chat.say("0")
    (reply,) = chat.say("Binh Thanhh")
    assert "Không thấy xã, phường" in reply.text
    assert f"#don_vi:{chat.world.unit('W-BT').pk}" in payloads(reply)
    (nothing,) = chat.say("zzzzqqq")
    assert [p for p in payloads(nothing) if p.startswith("#don_vi:")] == []
    assert Report.objects.count() == 0


def test_huy_cancels_the_report_being_made_and_its_images(
    chat: Chat, chat_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    chat.say("#to_giac")
    chat.send_image(jpeg())
    assert media_files(chat_media)
    chat.say("Bị lừa")
    with django_capture_on_commit_callbacks(execute=True):
        (reply,) = chat.say("huỷ")
    assert reply.text.startswith("Đã huỷ tố giác")
    conversation = chat.reload()
    assert conversation.state == State.IDLE and "report" not in conversation.draft
    assert "evidence" not in conversation.draft and media_files(chat_media) == []
    chat.say("Phường Bình Thạnh")  # now just a message, not an answer
    assert Report.objects.count() == 0


# --- evidence ------------------------------------------------------------------------------


def test_an_image_is_kept_cleaned_and_attached_to_the_report(
    chat: Chat, chat_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    (received,) = chat.send_image(jpeg_with_exif())
    assert received.text.startswith("Đã nhận ảnh làm bằng chứng (1/5)")
    assert payloads(received) == ACTIONS
    kept = media_files(chat_media)
    assert len(kept) == 1 and b"SecretPhoneMaker" not in kept[0].read_bytes()
    chat.say(SCAM_SMS)
    with django_capture_on_commit_callbacks(execute=True):
        replies = _report_in_three_replies(chat)
    assert "Mã theo dõi" in replies
    evidence = Evidence.objects.get()
    assert evidence.report == Report.objects.get() and evidence.content_type == "image/jpeg"
    with evidence.file.open("rb") as handle:
        data = handle.read()
    assert b"SecretPhoneMaker" not in data
    Image.open(io.BytesIO(data)).verify()
    # The kept copy is gone; only the report's evidence file remains.
    assert media_files(chat_media) == [Path(evidence.file.path)]
    assert "evidence" not in chat.reload().draft


def test_an_image_in_the_middle_of_a_report_asks_the_question_again(chat: Chat) -> None:
    chat.say("#to_giac")
    received, question = chat.send_image(jpeg())
    assert received.text.startswith("Đã nhận ảnh")
    assert "bước 1/3" in question.text


def test_a_fake_image_or_a_pdf_is_refused(chat: Chat, chat_media: Path) -> None:
    for data in (b"GIF89a this is not really an image", MINIMAL_PDF, None):
        (reply,) = chat.send_image(data)
        assert "ảnh" in reply.text.lower() and not reply.text.startswith("Đã nhận")
    assert media_files(chat_media) == [] and "evidence" not in chat.reload().draft


def test_a_refused_file_gets_one_sentence_without_a_file_name_or_pdf(chat: Chat) -> None:
    refused = "Chưa nhận được tệp này: chỉ nhận ảnh chụp màn hình dạng JPEG hoặc PNG, tối đa 5 MB."
    for data in (b"GIF89a this is not really an image", MINIMAL_PDF, b"x" * (5 * 2**20 + 1)):
        (reply,) = chat.send_image(data)
        assert reply.text == refused
    (missing,) = chat.send_image(None)
    assert missing.text.count(".") == 1 and "JPEG hoặc PNG" in missing.text


def test_at_most_five_images_are_kept_for_a_report(chat: Chat, chat_media: Path) -> None:
    for n in range(1, 6):
        (reply,) = chat.send_image(jpeg((20 + n, 20)))
        assert f"({n}/5)" in reply.text
    (refused,) = chat.send_image(jpeg((40, 40)))
    assert "tối đa 5 ảnh" in refused.text
    assert len(media_files(chat_media)) == 5


# --- "Hỏi cán bộ", and reports from a partner's bot -------------------------------------------


def test_ask_staff_makes_a_report_for_the_verifiers_once(chat: Chat) -> None:
    (nothing,) = chat.say("#hoi_can_bo")
    assert "gửi trước" in nothing.text and Report.objects.count() == 0
    chat.say(LOOKALIKE_LINK)
    (done,) = chat.say("Hỏi cán bộ")
    report = Report.objects.get()
    assert report.tracking_code in done.text and "cán bộ" in done.text
    assert report.unit == chat.world.unit("P")  # no commune given: the province's verifiers
    assert report.indicator_keys == [["url", "http://vietcombank-xacthuc.com/login"]]
    assert report.channel == "website" and report.scam_type == "fake_website"
    assert TipReport.objects.get(report=report).asked_staff
    (again,) = chat.say("#hoi_can_bo")
    assert report.tracking_code in again.text and Report.objects.count() == 1


def test_a_partners_bot_conversation_makes_a_chat_report_with_its_partner(chat: Chat) -> None:
    key, _raw = PartnerKey.issue(name="Bot đối tác", unit=chat.world.unit("P"))
    bridge = TiplineBridge.objects.create(
        partner=key, callback_url="http://127.0.0.1:9/cb", secret_encrypted="x"
    )
    other = new_chat(chat.world, external_id="bot-user-7", channel=bridge.channel)
    other.say(LOOKALIKE_LINK)
    _report_in_three_replies(other)
    report = Report.objects.get()
    assert report.source == "chat" and report.partner_key_id == key.pk


# --- "dừng" ------------------------------------------------------------------------------------


def test_dung_stops_follow_ups_confirmed_once_and_tiep_tuc_resumes(chat: Chat) -> None:
    (confirmed,) = chat.say("dừng")
    assert confirmed.text.startswith("Đã dừng")
    assert chat.reload().stopped_at is not None
    assert chat.say("DỪNG") == []
    (resumed,) = chat.say("tiếp tục")
    assert resumed.text.startswith("Đã bật lại") and chat.reload().stopped_at is None


def test_images_of_a_report_never_made_are_deleted_with_old_drafts(
    chat: Chat, chat_media: Path
) -> None:
    chat.send_image(jpeg())
    (kept,) = media_files(chat_media)
    three_hours_ago = time.time() - 3 * 3600
    os.utime(kept, (three_hours_ago, three_hours_ago))
    assert forget_old_drafts() == 1 and media_files(chat_media) == []
    chat.say(LOOKALIKE_LINK)
    (done,) = chat.say("#hoi_can_bo")
    assert "hết hạn giữ" in done.text
    assert Evidence.objects.count() == 0 and Report.objects.count() == 1


def test_control_characters_are_dropped_before_anything_is_kept(chat: Chat) -> None:
    chat.say("#to_giac")
    raw = "Bị\x00 lừa\x1b qua\r\nZalo \ud800"  # as a broken client might send it
    chat.play(Incoming(kind="text", text=raw), chat.event("text"))
    assert chat.reload().draft["report"]["what"] == "Bị lừa qua\nZalo"


def test_two_places_of_the_same_name_are_told_apart_by_their_codes(chat: Chat) -> None:
    import_units_csv(text="code,parent_code,kind,name\nD1-AP,D1,commune,Xã An Phú\n")
    chat.say("#to_giac")
    chat.say("Bị lừa")
    chat.say("0")
    (choices,) = chat.say("Xã An Phú")
    titles = sorted(q.title for q in choices.quick_replies if q.payload.startswith("#don_vi:"))
    assert titles == ["Xã An Phú (D1-AP)", "Xã An Phú (D2-AP)"]
