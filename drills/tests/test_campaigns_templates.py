"""The templates and landing pages that ship with the project (issue 17, point 1)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from drills.models import LandingPage, Template

pytestmark = pytest.mark.django_db

VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợứừửữự]", re.IGNORECASE)


def test_shipped_templates_load_once_and_cover_the_themes():
    call_command("load_training", verbosity=0)
    call_command("load_drill_templates")
    call_command("load_drill_templates")  # a second load changes nothing
    templates = list(Template.objects.all())
    assert len(templates) >= 8
    assert {t.difficulty for t in templates} == {1, 2, 3, 4, 5}
    for template in templates:
        assert len(template.cue_list()) >= 3, template.slug
        assert VIETNAMESE.search(template.subject), template.slug
        assert "{{link}}" in template.text_body and "{{link}}" in template.html_body
        assert template.lesson is not None, template.slug
        assert template.follow_up_lesson() == template.lesson
    slugs = " ".join(t.slug for t in templates)
    for theme in ("thue", "bhxh", "it-", "chia-se", "luong", "moi"):
        assert theme in slugs


def test_an_edited_template_is_kept_on_reload():
    call_command("load_drill_templates")
    template = Template.objects.get(slug="thue-hoan-thue-tncn")
    template.subject = "Tiêu đề do biên tập viên sửa"
    template.save()
    call_command("load_drill_templates")
    template.refresh_from_db()
    assert template.subject == "Tiêu đề do biên tập viên sửa"


def test_landing_pages_carry_no_field_names_no_action_and_no_script():
    call_command("load_drill_templates")
    pages = list(LandingPage.objects.all())
    assert len(pages) >= 2
    for page in pages:
        assert "data-drill-form" in page.html
        assert "<input" in page.html
        for forbidden in ("name=", "action=", "method=", "<script", "onsubmit"):
            assert forbidden not in page.html, (page.slug, forbidden)


def test_render_escapes_values_in_the_html_part():
    call_command("load_drill_templates")
    template = Template.objects.get(slug="bhxh-cap-nhat-so")
    mail = template.render(name="<b>An</b>", unit="Xã Một", link="https://x.test/l/abc")
    assert "&lt;b&gt;An&lt;/b&gt;" in mail.html
    assert "<b>An</b>" in mail.text
    assert 'href="https://x.test/l/abc"' in mail.html
    assert "{{" not in mail.html + mail.text + mail.subject


def test_follow_up_lesson_falls_back_to_the_topic():
    call_command("load_drill_templates")  # before training's lessons exist: no lesson linked
    template = Template.objects.get(slug="it-het-han-mat-khau")
    assert template.lesson is None
    call_command("load_training", verbosity=0)
    lesson = template.follow_up_lesson()
    assert lesson is not None and lesson.topic == template.lesson_topic
