"""What the generated access test walks and asks: every URL of the URL conf (include()d ones
too, the admin's among them) and every operation of the ninja API, with sample arguments from
the shared test world, and the answers that count as refusing someone.

A new view is walked without anything to add here. It is either refused to an anonymous visitor
and to a signed-in person without the permission, or it is named in PUBLIC_ROUTES with a reason.
A view with URL arguments that reads a unit's data also gets an entry in `object_samples`: an
object of one unit, a person of that unit who may open it, and a person with the same roles in
another unit, who must be refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

# Routes anyone may open, each with why. A key is the URL name with its namespaces
# ("reports:form"), the pattern for an unnamed URL ("admin:<path>"), or the operation id of an API
# operation ("lookup_api_check_get").
PUBLIC_ROUTES: tuple[tuple[str, str], ...] = (
    ("home", "the public home page"),
    ("healthz", "the load balancer's probe; says only ok or error"),
    ("favicon", "the site icon"),
    ("set_language", "switches the language of the visitor's own session"),
    ("login", "the sign-in form"),
    ("logout", "signs the visitor's own session out; shows nothing"),
    ("otp-verify", "the second step of sign-in; sends an anonymous visitor to the sign-in form"),
    ("otp-setup", "the first TOTP set-up; sends an anonymous visitor to the sign-in form"),
    ("reports:form", "citizens report a scam without an account"),
    ("reports:extract", "the report form's helper that finds indicators in pasted text"),
    ("reports:track", "citizens follow a report by its tracking code"),
    ("reports:track-code", "the status of one report, for the holder of its tracking code"),
    ("reports:appeal-form", "the owner of a listed value appeals without an account"),
    ("lookup:check", "the public check page"),
    ("detection:check", "the public message check page"),
    ("learn-index", "self-study for citizens"),
    ("learn-lesson", "a public lesson"),
    ("learn-quiz", "a public quiz (only quizzes marked public are found)"),
    ("certificate-verify", "anyone holding a certificate's code checks that it is genuine"),
    ("bulletins:list", "published warnings and bulletins"),
    ("bulletins:feed-rss", "published bulletins as RSS"),
    ("bulletins:feed-atom", "published bulletins as Atom"),
    ("bulletins:kind-feed-rss", "published bulletins of one kind as RSS"),
    ("bulletins:kind-feed-atom", "published bulletins of one kind as Atom"),
    ("bulletins:detail", "one published bulletin"),
    ("bulletins:image", "an image of a published bulletin (others are not found)"),
    ("bulletins:revision", "a published revision of a bulletin (corrections stay visible)"),
    ("bulletins:subscribe", "citizens subscribe to warnings by email"),
    ("bulletins:subscribe-confirm", "the signed link of the confirmation mail"),
    ("bulletins:unsubscribe", "the subscriber's own token ends the subscription"),
    ("admin:login", "the admin's sign-in form"),
    ("admin:logout", "signs the visitor's own session out; shows nothing"),
    ("admin:javascript-catalog", "treebeard's JavaScript translations: strings, no data"),
    ("api:api-root", "the API's home: links to the document"),
    ("api:openapi-json", "the OpenAPI document partners build against"),
    ("api:openapi-view", "the API's documentation page"),
    ("reports_api_submit", "citizens' apps and partners file reports (rate-limited per address)"),
    ("reports_api_status", "the status of one report, for the holder of its tracking code"),
    ("lookup_api_check_get", "the public check, as JSON (rate-limited per address or key)"),
    ("lookup_api_check_post", "the public check, as JSON (rate-limited per address or key)"),
    ("lookup_api_check_batch", "the public check for many values (rate-limited, CPU budget)"),
    ("lookup_api_hashes_search", "hash-prefix check; a browser extension cannot keep a key"),
    ("lookup_api_hash_list", "hash-prefix list; the list is public on the check page"),
    ("training_api_verify_certificate", "checks a certificate by its code, like the page"),
    ("detection_api_analyse", "the public message analysis, as JSON (rate-limited)"),
    ("drill-click", "a drill mail's link: the random tracking id is the key (rate-limited)"),
    ("drill-pixel", "a drill mail's tracking image: the same image for any id (rate-limited)"),
    ("drill-landing", "a drill's landing page for the holder of the tracking id"),
    ("drill-beacon", "the landing page's beacon: takes no body, answers nothing"),
    ("drill-submitted", "the landing page's 'submitted': takes no body, shows the lesson"),
    ("drill-teach", "the drill's explanation of its cues, for the holder of the tracking id"),
    ("drill-thanks", "the thank-you page linked from the thank-you mail"),
    ("drill-transparency", "the id followed by +: tells a mail administrator what the mail is"),
    ("dashboard:public", "province-wide statistics: aggregates only, no group under 5"),
)
PUBLIC = frozenset(name for name, _reason in PUBLIC_ROUTES)

# Answers that refuse: 401 (a key or a sign-in is needed), 403, 404 (as if it did not exist);
# a redirect only to a sign-in step; 405 only next to a refusal of the other method.
REFUSED_STATUSES = frozenset({401, 403, 404})
SAMPLE_BY_CONVERTER = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "0" * 32}
API_NAMESPACE = "api"
ADMIN_NAMESPACE = "admin"


@dataclass(frozen=True)
class Route:
    """One URL pattern, or one API operation (`methods` then says which)."""

    key: str
    pattern: str
    view: Callable[..., Any]
    params: tuple[tuple[str, str], ...]  # (name, converter or "regex:<pattern>")
    methods: tuple[str, ...] = ("GET", "POST")
    api: bool = False

    @property
    def namespace(self) -> str:
        return self.key.split(":", 1)[0] if ":" in self.key else ""

    def url(self, kwargs: dict[str, str] | None = None) -> str:
        """The path with the sample arguments (`kwargs` first, else one per converter)."""
        values = {
            name: str((kwargs or {}).get(name) or _sample(kind)) for name, kind in self.params
        }
        return "/" + _fill(self.pattern, values)


def _sample(kind: str) -> str:
    if kind.startswith("regex:"):
        body = kind.removeprefix("regex:")
        # A group of alternatives (the admin's app labels): the first one; else any word.
        first = body.split("|", 1)[0]
        return first if re.fullmatch(r"[A-Za-z0-9_-]+", first) else "x"
    return SAMPLE_BY_CONVERTER.get(kind, "x")


_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>(?:[^()]|\([^()]*\))*)\)")
_NINJA_PARAM = re.compile(r"\{(?:(?P<conv>[^}:]+):)?(?P<name>[^}]+)\}")


def _fill(pattern: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        return values[match["name"]]

    # Regex groups first: "(?P<name>…)" holds a "<name>" that reads like a path converter.
    text = _REGEX_GROUP.sub(one, pattern)
    text = _ROUTE_PARAM.sub(one, text)
    text = _NINJA_PARAM.sub(one, text)
    return text.replace("^", "").replace("$", "")


def _params(pattern: str) -> tuple[tuple[str, str], ...]:
    found = [(m["name"], "regex:" + m["body"]) for m in _REGEX_GROUP.finditer(pattern)]
    rest = _REGEX_GROUP.sub("", pattern)
    found += [(m["name"], m["conv"] or "str") for m in _ROUTE_PARAM.finditer(rest)]
    found += [(m["name"], m["conv"] or "str") for m in _NINJA_PARAM.finditer(rest)]
    return tuple(found)


def _is_api_operation(view: Callable[..., Any]) -> bool:
    # ninja's URL for a path: its operations are walked from the API object, with their methods.
    return "PathView.get_view" in getattr(view, "__qualname__", "")


def _walk(
    patterns: Iterable[URLPattern | URLResolver], prefix: str, namespace: str
) -> Iterator[Route]:
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, pattern, inner)
            continue
        if _is_api_operation(entry.callback):
            continue
        label = entry.name or f"<{pattern}>"
        key = f"{namespace}:{label}" if namespace else label
        yield Route(key=key, pattern=pattern, view=entry.callback, params=_params(pattern))


def url_routes() -> list[Route]:
    """Every URL of the URL conf except the API's operations."""
    return list(_walk(get_resolver().url_patterns, "", ""))


def api_routes() -> list[Route]:
    """Every operation of every ninja API mounted in the URL conf, with its methods."""
    from ninja import NinjaAPI

    # Each path of an API is a URL of its own: one API, one mount (the first), however many.
    apis: dict[int, tuple[Any, str]] = {}
    for api, mount in _mounted(get_resolver().url_patterns, NinjaAPI):
        apis.setdefault(id(api), (api, mount))
    routes = []
    for api, mount in apis.values():
        for prefix, router in api._routers:
            for path, path_view in router.path_operations.items():
                full = (mount + prefix.strip("/") + "/" + path.lstrip("/")).replace("//", "/")
                for operation in path_view.operations:
                    key = operation.operation_id or api.get_openapi_operation_id(operation)
                    routes.append(
                        Route(
                            key=key,
                            pattern=full.rstrip("/") + ("/" if path.endswith("/") else ""),
                            view=operation.view_func,
                            params=_params(path),
                            methods=tuple(operation.methods),
                            api=True,
                        )
                    )
    return routes


def _mounted(
    patterns: Iterable[URLPattern | URLResolver], kind: type, prefix: str = ""
) -> Iterator[tuple[Any, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _mounted(entry.url_patterns, kind, prefix + str(entry.pattern))
        else:
            api = getattr(entry.callback, "keywords", {}).get("api")
            if isinstance(api, kind):
                yield api, prefix


def all_routes() -> list[Route]:
    return url_routes() + api_routes()


def required_permission(view: Callable[..., Any]) -> tuple[bool, str | None]:
    """(found, permission) of the `orgs.access.staff_required` around `view`, read from the
    decorator's closure through the functools.wraps chain; (False, None) when there is none."""
    current: Any = view
    while current is not None:
        code = getattr(current, "__code__", None)
        if code is not None and {"permission", "view"} <= set(code.co_freevars):
            cells = dict(zip(code.co_freevars, current.__closure__ or (), strict=True))
            return True, cells["permission"].cell_contents
        current = getattr(current, "__wrapped__", None)
    return False, None


# --- answers -----------------------------------------------------------------------------------


def sign_in_paths() -> set[str]:
    from django.urls import reverse

    return {
        resolve_url(settings.LOGIN_URL),
        reverse("otp-verify"),
        reverse("otp-setup"),
        reverse("admin:login"),
    }


def _redirect_target(response: HttpResponseBase) -> str:
    return response.get("Location", "").split("?", 1)[0]


def refusal(response: HttpResponseBase, sign_in: set[str]) -> str | None:
    """None when `response` refuses; else what it did instead, for the failure message."""
    status = response.status_code
    if status in REFUSED_STATUSES or status == 405:
        return None
    if 300 <= status < 400:
        target = _redirect_target(response)
        return None if target in sign_in else f"a redirect to {target or '(nowhere)'}"
    return f"{status}"


def probe(client: Client, route: Route, url: str, method: str) -> HttpResponseBase:
    if route.api and method != "GET":
        return client.generic(method, url, b"{}", content_type="application/json")
    return client.generic(method, url)


def refused_everywhere(
    client: Client, route: Route, url: str, sign_in: set[str], who: str
) -> list[str]:
    """The failures of `route` for the person behind `client` (empty: refused)."""
    failures = []
    statuses = []
    for method in route.methods:
        response = probe(client, route, url, method)
        statuses.append(response.status_code)
        wrong = refusal(response, sign_in)
        if wrong is not None:
            failures.append(f"{route.key} ({method} /{route.pattern}) answers {who} with {wrong}")
    if not failures and set(statuses) == {405}:
        failures.append(f"{route.key} (/{route.pattern}) answered only 405 to {who}: probe it")
    return failures


def check_resolves(route: Route, url: str) -> str | None:
    """The sample URL must reach the route itself, not a 404 of the resolver."""
    try:
        match = resolve(url)
    except Resolver404:
        return f"{route.key}: the sample URL {url} does not resolve; fix the samples"
    if route.api:
        return None if API_NAMESPACE in match.namespaces else f"{route.key}: {url} is no API URL"
    return None if match.func is route.view else f"{route.key}: {url} resolves to another view"


# --- the world's objects ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """Arguments naming one object of one unit; `insider` (a world person) may open it,
    `outsider` has the same roles in another unit and must be refused. Both None: the route
    holds no unit's data (a partner-key feed), so there is no other unit to try."""

    kwargs: dict[str, str]
    insider: str | None
    outsider: str | None


# Extra people beside orgs.testing.WORLD_PEOPLE: one without any role, and the admin role on two
# districts (the world's only admin is the province's, which reaches every unit).
EXTRA_PEOPLE = {
    "no_role": (None, "D1-C1"),
    "admin_d1": ("admin", "D1"),
    "admin_d2": ("admin", "D2"),
    "editor_d1": ("editor", "D1"),
    "editor_d2": ("editor", "D2"),
    "drill_operator_d1": ("drill_operator", "D1"),
    "drill_operator_d2": ("drill_operator", "D2"),
}


def add_extra_people(world: Any) -> None:
    from orgs.models import RoleAssignment, User

    for name, (role, code) in EXTRA_PEOPLE.items():
        unit = world.unit(code)
        # Signed in with force_login in the test: no password to hash.
        user = User.objects.create(username=name, first_name=name, home_unit=unit)
        if role:
            RoleAssignment.objects.create(user=user, unit=unit, role=role)
        world.people[name] = user


def object_samples(world: Any) -> dict[str, Sample]:
    """One object per object route, all of district D1; outsiders are of district D2."""
    reports = _reports_samples(world)
    return {
        **reports,
        **_training_samples(world),
        **_orgs_samples(world),
        **_bulletins_samples(world, case_pk=reports["reports:case"].kwargs["pk"]),
        **_drills_samples(world),
        **_dashboard_samples(),
    }


def _reports_samples(world: Any) -> dict[str, Sample]:
    from reports.evidence import clean_file
    from reports.models import Appeal, Evidence
    from reports.tests.factories import make_report, png_bytes

    report = make_report(
        world.unit("D1-C1"), "http://shop-mau-d1.vn/", files=[clean_file(png_bytes(), "a.png")]
    )
    case = report.cases.get()
    appeal = Appeal.objects.create(
        tracking_code="KN-ACCESS-1",
        kind="url",
        value="http://shop-mau-d1.vn/",
        indicator=case.indicators.get(),
        unit=case.unit,
        owner_name="Chủ trang",
        owner_contact="0912345678",
        explanation="Trang của chúng tôi.",
        deadline=timezone.now() + timedelta(days=7),
    )
    evidence = Evidence.objects.get(report=report)
    verifiers = {"insider": "verifier_d1", "outsider": "verifier_d2"}
    return {
        "reports:case": Sample({"pk": str(case.pk)}, **verifiers),
        "reports:case-action": Sample({"pk": str(case.pk), "action": "note"}, **verifiers),
        "reports:evidence": Sample({"pk": str(evidence.pk)}, **verifiers),
        "reports:appeal": Sample({"pk": str(appeal.pk)}, **verifiers),
        "reports:appeal-action": Sample({"pk": str(appeal.pk), "action": "reject"}, **verifiers),
    }


def _training_samples(world: Any) -> dict[str, Sample]:
    from training.services import issue_certificate, start_attempt
    from training.tests.factories import make_assignment, make_lesson, make_quiz

    lesson = make_lesson("bai-mau-d1")
    assignment = make_assignment(world, lessons=[lesson], quiz=make_quiz("kiem-tra-mau-d1"))
    learner = world.person("staff_d1_c1")
    attempt = start_attempt(user=learner, assignment=assignment)
    certificate = issue_certificate(user=learner, assignment=assignment)
    staff = {"insider": "staff_d1_c1", "outsider": "staff_d2_c1"}
    pk = str(assignment.pk)
    return {
        "training-assignment": Sample({"pk": pk}, **staff),
        "training-lesson": Sample({"pk": pk, "slug": lesson.slug}, **staff),
        "training-quiz-start": Sample({"pk": pk}, **staff),
        "training-attempt": Sample({"token": attempt.token}, **staff),
        "training-attempt-result": Sample({"token": attempt.token}, **staff),
        "training-certificate-pdf": Sample({"code": certificate.code}, **staff),
    }


def _orgs_samples(world: Any) -> dict[str, Sample]:
    from lookup import feeds
    from orgs.models import PartnerKey

    key, _raw = PartnerKey.issue(name="Đối tác mẫu D1", unit=world.unit("D1"))
    return {
        "unit-detail": Sample({"code": "D1-C1"}, insider="staff_d1_c1", outsider="staff_d2_c1"),
        "partner-key-revoke": Sample({"pk": str(key.pk)}, insider="admin_d1", outsider="admin_d2"),
        # Partner feeds hold no unit's data: a key opens them, a person does not.
        "lookup:feed": Sample({"name": next(iter(feeds.FEEDS))}, insider=None, outsider=None),
    }


# --- the checks, shared by the test and its self-test ----------------------------------------

# Routes for anyone signed in, whatever their roles (still refused to an anonymous visitor).
SIGNED_IN_ROUTES: tuple[tuple[str, str], ...] = (
    ("staff-home", "every signed-in person's start page: their own roles and what they may do"),
)
SIGNED_IN = frozenset(name for name, _reason in SIGNED_IN_ROUTES)

TO_DO = (
    "protect the view (orgs.access.staff_required(<permission>), or auth= on the API "
    "operation) or, if everyone may open it, name it in PUBLIC_ROUTES in "
    "canhgiac/tests/access_walk.py with a one-line reason"
)


def guarded(routes: Iterable[Route]) -> list[Route]:
    return [r for r in routes if r.key not in PUBLIC]


def url_for(route: Route, samples: dict[str, Sample]) -> str:
    sample = samples.get(route.key)
    return route.url(sample.kwargs if sample else None)


def anonymous_failures(routes: Iterable[Route], samples: dict[str, Sample]) -> list[str]:
    client = Client(raise_request_exception=False)
    sign_in = sign_in_paths()
    failures = []
    for route in guarded(routes):
        url = url_for(route, samples)
        wrong = check_resolves(route, url)
        found = refused_everywhere(client, route, url, sign_in, "an anonymous visitor")
        failures += ([wrong] if wrong else []) + [f"{f}: {TO_DO}" for f in found]
    return failures


def signed_in_client(user: Any) -> Client:
    from orgs.testing import sign_in_verified

    client = Client(raise_request_exception=False)
    sign_in_verified(client, user)
    return client


def lacking(route: Route, world: Any) -> list[str]:
    """The people to try on `route`: the one without any role, and, when the view's
    staff_required names a permission, every world person who holds it on no unit."""
    from orgs.access import permissions_of

    found, permission = required_permission(route.view)
    if not (found and permission):
        return ["no_role"]
    return ["no_role"] + [
        name
        for name, user in world.people.items()
        if name != "no_role" and permission not in permissions_of(user)
    ]


def without_permission_failures(
    routes: Iterable[Route], samples: dict[str, Sample], world: Any
) -> list[str]:
    clients: dict[str, Client] = {}
    sign_in = sign_in_paths()
    failures = []
    for route in guarded(routes):
        if route.key in SIGNED_IN:
            continue
        url = url_for(route, samples)
        for name in lacking(route, world):
            if name not in clients:
                clients[name] = signed_in_client(world.person(name))
            who = f"{name}, signed in without the permission"
            found = refused_everywhere(clients[name], route, url, sign_in, who)
            failures += [f"{f}: {TO_DO}" for f in found]
    return failures


def needs_sample(route: Route) -> bool:
    """A guarded route with URL arguments names an object; the admin is exempt: one gate
    (OTPAdminSite.has_permission: staff with TOTP) stands before every admin URL, and its
    people are not scoped to units."""
    return bool(route.params) and route.key not in PUBLIC and route.namespace != ADMIN_NAMESPACE


def missing_samples(routes: Iterable[Route], samples: dict[str, Sample]) -> list[str]:
    return [
        f"{r.key} (/{r.pattern}) has URL arguments but no object sample: add one in "
        "canhgiac/tests/access_walk.py (object_samples: an object of district D1, a person of D1 "
        "who may open it, one with the same roles in D2)"
        for r in routes
        if needs_sample(r) and r.key not in samples
    ]


def _roles(user: Any) -> set[str]:
    return set(user.role_assignments.values_list("role", flat=True))


def _opens(response: HttpResponseBase, sign_in: set[str]) -> bool:
    if 300 <= response.status_code < 400:
        return _redirect_target(response) not in sign_in
    return response.status_code < 400


def other_unit_failures(
    routes: Iterable[Route], samples: dict[str, Sample], world: Any
) -> tuple[list[str], set[str]]:
    """Failures, and the routes tried with an insider and an outsider."""
    sign_in = sign_in_paths()
    failures = []
    tried = set()
    for route in guarded(routes):
        sample = samples.get(route.key)
        if sample is None or sample.insider is None or sample.outsider is None:
            continue
        insider, outsider = world.person(sample.insider), world.person(sample.outsider)
        if _roles(insider) != _roles(outsider):
            failures.append(f"{route.key}: the sample's insider and outsider differ in roles")
            continue
        url = url_for(route, samples)
        who = f"{sample.outsider}, of another unit"
        # Only 403 or 404 from a signed-in person: a redirect to sign in again is no answer.
        other = signed_in_client(outsider)
        statuses = {m: probe(other, route, url, m).status_code for m in route.methods}
        for method, status in statuses.items():
            if status not in (403, 404, 405):
                failures.append(f"{route.key} ({method} {url}) answers {who} with {status}")
        if set(statuses.values()) == {405}:
            failures.append(f"{route.key} ({url}) answered only 405 to {who}: probe it")
        # The same object opens for a person of its unit: the refusal above is about the unit.
        client = signed_in_client(insider)
        response = probe(client, route, url, "GET")
        if response.status_code == 405:
            response = probe(client, route, url, "POST")
        if not _opens(response, sign_in):
            failures.append(
                f"{route.key} ({url}) refuses {sample.insider} too ({response.status_code}): "
                "the sample names no object that unit may open"
            )
        tried.add(route.key)
    return failures, tried


def _dashboard_samples() -> dict[str, Sample]:
    managers = {"insider": "manager_d1", "outsider": "manager_d2"}
    return {
        name: Sample({"code": "D1"}, **managers)
        for name in ("dashboard:unit", "dashboard:unit-xlsx", "dashboard:unit-pdf")
    }


def _drills_samples(world: Any) -> dict[str, Sample]:
    from drills.tests.campaign_world import sample_campaigns

    draft, submitted = sample_campaigns(world)
    operators = {"insider": "drill_operator_d1", "outsider": "drill_operator_d2"}
    managers = {"insider": "manager_d1", "outsider": "manager_d2"}
    return {
        "drills:campaign": Sample({"pk": str(draft.pk)}, **operators),
        "drills:campaign-action": Sample({"pk": str(draft.pk), "action": "submit"}, **operators),
        "drills:approval": Sample({"pk": str(submitted.pk)}, **managers),
    }


def _bulletins_samples(world: Any, *, case_pk: str) -> dict[str, Sample]:
    from bulletins import services
    from bulletins.models import Channel, ChannelKey, Kind, OutboxItem
    from reports.tests.factories import png_bytes

    editor = world.person("editor_d1")
    bulletin = services.create_bulletin(
        kind=Kind.WARNING,
        unit=world.unit("D1"),
        author=editor,
        content=services.Content(
            title="Cảnh báo mẫu của huyện Một",
            summary="Tóm tắt mẫu.",
            body_markdown="Nội dung mẫu.",
        ),
    )
    image = services.add_image(bulletin=bulletin, editor=editor, upload=png_bytes(), alt="Ảnh")
    item = OutboxItem.objects.create(
        key="access-sample", revision=bulletin.revisions.get(), channel=Channel.values[0]
    )
    editors = {"insider": "editor_d1", "outsider": "editor_d2"}
    pk = str(bulletin.pk)
    return {
        # The case of the reports samples, of D1-C1: an editor of D2 may not start from it.
        "bulletins:staff-from-case": Sample({"case_pk": case_pk}, **editors),
        "bulletins:staff-detail": Sample({"pk": pk}, **editors),
        "bulletins:staff-edit": Sample({"pk": pk}, **editors),
        "bulletins:staff-action": Sample({"pk": pk, "action": "submit"}, **editors),
        "bulletins:staff-image-file": Sample({"pk": str(image.pk)}, **editors),
        "bulletins:deliveries": Sample({"pk": pk}, **editors),
        "bulletins:delivery-retry": Sample({"item_pk": str(item.pk)}, **editors),
        # The channel accounts speak for the province: a district's admin is refused.
        "bulletins:channel-edit": Sample(
            {"key": ChannelKey.values[0]}, insider="admin", outsider="admin_d2"
        ),
    }
