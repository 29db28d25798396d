"""Completion records as xAPI statements (cmi5 vocabulary). The record's fields are named after
the statement's, so this is a mapping, not a translation."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import NotRequired, TypedDict

from .models import VERB_IRIS, Completion, Verb

VERB_DISPLAY: dict[str, dict[str, str]] = {
    Verb.LAUNCHED: {"en-US": "launched", "vi-VN": "đã bắt đầu"},
    Verb.COMPLETED: {"en-US": "completed", "vi-VN": "đã học xong"},
    Verb.PASSED: {"en-US": "passed", "vi-VN": "đã đạt"},
    Verb.FAILED: {"en-US": "failed", "vi-VN": "chưa đạt"},
}
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"


# The parts of an xAPI statement that statement_for writes (xAPI 1.0.3, cmi5 profile).
class ActivityDefinition(TypedDict):
    type: str
    name: NotRequired[dict[str, str]]


class Activity(TypedDict):
    id: str
    definition: ActivityDefinition


class ActivityRef(TypedDict):
    id: str


class ContextActivities(TypedDict):
    category: list[ActivityRef]
    other: NotRequired[list[Activity]]


class Context(TypedDict):
    registration: str
    contextActivities: ContextActivities
    extensions: dict[str, str]


class Score(TypedDict):
    scaled: float | None
    raw: int
    min: int
    max: int | None


class Result(TypedDict):
    completion: bool
    duration: str
    success: NotRequired[bool]
    score: NotRequired[Score]


class Account(TypedDict):
    homePage: str
    name: str


class Agent(TypedDict):
    objectType: str
    name: str
    account: Account


class StatementVerb(TypedDict):
    id: str
    display: dict[str, str]


class StatementObject(TypedDict):
    objectType: str
    id: str
    definition: ActivityDefinition


class Statement(TypedDict):
    id: str
    actor: Agent
    verb: StatementVerb
    object: StatementObject
    result: Result
    context: Context
    timestamp: str


def iso_duration(value: timedelta) -> str:
    """ISO 8601 duration as xAPI wants it: PT1H2M3.5S (hours, minutes, seconds; no days)."""
    total = max(value.total_seconds(), 0.0)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    if seconds or text == "PT":
        text += f"{round(seconds, 2):g}S"
    return text


def statement_for(record: Completion, *, base_iri: str) -> Statement:
    """One xAPI statement for the record's current state. `base_iri` is the site's address
    (e.g. https://canhgiac.example.vn); activity and account ids hang below it."""
    base = base_iri.rstrip("/")
    assignment = record.assignment
    user = record.user
    result: Result = {"completion": record.completion, "duration": iso_duration(record.duration)}
    if record.success is not None:
        result["success"] = record.success
    if record.score_raw is not None:
        result["score"] = {
            "scaled": record.score_scaled,
            "raw": record.score_raw,
            "min": record.score_min,
            "max": record.score_max,
        }
    context: Context = {
        "registration": str(record.registration),
        "contextActivities": {"category": [{"id": CMI5_CATEGORY}]},
        "extensions": {f"{base}/xapi/extensions/unit": assignment.unit.code},
    }
    if assignment.quiz is not None:
        context["contextActivities"]["other"] = [
            {
                "id": f"{base}/xapi/activities/quiz/{assignment.quiz.slug}",
                "definition": {"type": ASSESSMENT_TYPE},
            }
        ]
    timestamp = record.timestamp.isoformat()
    return {
        "id": str(uuid.uuid5(record.registration, f"{record.verb}|{timestamp}")),
        "actor": {
            "objectType": "Agent",
            "name": user.get_full_name() or user.username,
            "account": {"homePage": base, "name": user.username},
        },
        "verb": {"id": VERB_IRIS[record.verb], "display": VERB_DISPLAY[record.verb]},
        "object": {
            "objectType": "Activity",
            "id": f"{base}/xapi/activities/assignment/{assignment.pk}",
            "definition": {"type": COURSE_TYPE, "name": {"vi-VN": assignment.title}},
        },
        "result": result,
        "context": context,
        "timestamp": timestamp,
    }
