"""Loading the drill templates and landing pages that ship with the project
(drills/data/templates.yaml). A row an editor changed in the admin since it was loaded is left
alone (its digest no longer matches), as training's content loader does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from training.models import Lesson, Topic, digest_of

from .models import LandingPage, Template
from .sanitise import clean_landing_html, clean_mail_html

DATA_FILE = Path(__file__).resolve().parent / "data" / "templates.yaml"
_TEMPLATE_FIELDS = ("name", "subject", "sender_name", "sender_local_part", "text_body")


class TemplateDataError(Exception):
    """The data file is wrong; the message says which entry and what."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    kept: int = 0


def _template_values(item: dict[str, object]) -> dict[str, object]:
    slug = str(item.get("slug", ""))
    missing = [f for f in (*_TEMPLATE_FIELDS, "html_body", "difficulty", "cues") if f not in item]
    if missing:
        raise TemplateDataError(f"{slug or '?'}: thiếu {', '.join(missing)}")
    difficulty = item["difficulty"]
    if not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
        raise TemplateDataError(f"{slug}: difficulty phải là số 1–5")
    cues = item["cues"]
    if not isinstance(cues, list) or not cues:
        raise TemplateDataError(f"{slug}: cues phải là danh sách không rỗng")
    topic = str(item.get("lesson_topic", Topic.WORK_SECURITY))
    if topic not in Topic.values:
        raise TemplateDataError(f"{slug}: lesson_topic không hợp lệ: {topic}")
    values: dict[str, object] = {f: str(item[f]).strip() for f in _TEMPLATE_FIELDS}
    values["html_body"] = clean_mail_html(str(item["html_body"]))
    values["difficulty"] = difficulty
    values["cues"] = "\n".join(str(c).strip() for c in cues)
    values["lesson_topic"] = topic
    values["lesson_slug"] = str(item.get("lesson", ""))
    return values


def _store(
    model: type[Template] | type[LandingPage],
    slug: str,
    values: dict[str, object],
    result: LoadResult,
) -> None:
    digest = digest_of(values)
    lesson_slug = values.pop("lesson_slug", None)
    if lesson_slug is not None:
        values["lesson"] = Lesson.objects.filter(slug=lesson_slug).first()
    row = model.objects.filter(slug=slug).first()
    if row is None:
        model.objects.create(slug=slug, loaded_digest=digest, **values)
        result.created += 1
        return
    if row.loaded_digest == digest:
        result.kept += 1
        return
    for key, value in values.items():
        setattr(row, key, value)
    row.loaded_digest = digest
    row.save()
    result.updated += 1


def load_drill_templates(path: Path = DATA_FILE) -> LoadResult:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TemplateDataError(f"{path}: cần các khoá templates và landing_pages")
    result = LoadResult()
    with transaction.atomic():
        for item in data.get("templates", []):
            _store(Template, str(item["slug"]), _template_values(item), result)
        for item in data.get("landing_pages", []):
            values: dict[str, object] = {
                "name": str(item["name"]).strip(),
                "html": clean_landing_html(str(item["html"])),
            }
            _store(LandingPage, str(item["slug"]), values, result)
    return result
