"""Access for every route, generated from the URL conf and the ninja API (access_walk.py):
an anonymous visitor, a signed-in person without the permission and a person of another unit
are refused (a redirect to a sign-in step, 401, 403 or 404; never 200, never 500), unless the
route is named in PUBLIC_ROUTES with its reason."""

import pytest
from django.urls import reverse

from orgs.models import Permission

from . import access_walk as walk

pytestmark = pytest.mark.django_db
VERIFIERS = {"insider": "verifier_d1", "outsider": "verifier_d2"}


@pytest.fixture
def access_world(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # evidence files of the sample report
    walk.add_extra_people(world)
    return world, walk.object_samples(world)


def _report(failures: list[str]) -> str:
    return f"{len(failures)} access failures:\n" + "\n".join(failures)


def test_the_walk_reaches_every_app_the_admin_and_the_api(record_property):
    routes = walk.all_routes()
    keys = {r.key for r in routes}
    assert {"reports:case", "lookup:feed", "training-attempt", "unit-detail"} <= keys
    assert {"detection:model-card", "admin:orgs_unit_change", "admin:index"} <= keys
    assert {"reports_api_submit", "lookup_api_hash_list", "detection_api_analyse"} <= keys
    api = [r for r in routes if r.api]
    assert len(api) == len({r.key for r in api}), "operation ids are unique"
    # Each sample URL reaches its own view, not a 404 of the resolver.
    assert [e for r in routes if (e := walk.check_resolves(r, r.url()))] == []
    guarded = {r.key for r in walk.guarded(routes)}
    # Distinct keys: a URL conf may include the same patterns twice.
    record_property("routes", len(keys))
    record_property("guarded_routes", len(guarded))
    print(f"access walk: {len(keys)} routes ({len(guarded)} guarded), {len(api)} API operations")


def test_every_public_route_named_exists():
    keys = {r.key for r in walk.all_routes()}
    stale = [name for name, _reason in walk.PUBLIC_ROUTES if name not in keys]
    stale += [name for name, _reason in walk.SIGNED_IN_ROUTES if name not in keys]
    assert stale == [], f"PUBLIC_ROUTES or SIGNED_IN_ROUTES name routes that are gone: {stale}"
    assert all(reason.strip() for _name, reason in walk.PUBLIC_ROUTES)


def test_the_permission_of_each_staff_view_is_read_from_its_decorator():
    by_key = {r.key: r for r in walk.url_routes()}
    assert walk.required_permission(by_key["reports:case-action"].view) == (
        True,
        Permission.VERIFY_REPORTS,
    )
    assert walk.required_permission(by_key["staff-home"].view) == (True, None)
    assert walk.required_permission(by_key["lookup:feed"].view) == (False, None)


def test_every_guarded_route_refuses_an_anonymous_visitor(access_world):
    _world, samples = access_world
    failures = walk.anonymous_failures(walk.all_routes(), samples)
    assert failures == [], _report(failures)


def test_every_staff_route_refuses_a_signed_in_person_without_the_permission(access_world):
    world, samples = access_world
    failures = walk.without_permission_failures(walk.all_routes(), samples, world)
    assert failures == [], _report(failures)


def test_every_object_route_refuses_a_person_of_another_unit(access_world):
    world, samples = access_world
    routes = walk.all_routes()
    failures = walk.missing_samples(routes, samples)
    found, tried = walk.other_unit_failures(routes, samples, world)
    assert failures + found == [], _report(failures + found)
    assert set(samples) <= {r.key for r in routes}, "a sample names a route that is gone"
    assert tried == {k for k, s in samples.items() if s.insider}, "every unit's sample was tried"


def test_public_routes_answer_without_a_server_error(client):
    failures = []
    for route in walk.all_routes():
        if route.key in walk.PUBLIC:
            for method in route.methods:
                status = walk.probe(client, route, route.url(), method).status_code
                if status >= 500:
                    failures.append(f"{route.key} ({method} /{route.pattern}): {status}")
    assert failures == []


def test_a_view_nobody_protected_fails_the_walk_with_what_to_do(settings, world):
    settings.ROOT_URLCONF = "canhgiac.tests.open_view_urls"
    walk.add_extra_people(world)
    routes = [r for r in walk.all_routes() if r.key in ("forgotten", "signed-in-only")]
    assert len(routes) == 2, "the walk finds views added to the URL conf, with nothing to add"
    anonymous = walk.anonymous_failures(routes, {})
    assert len(anonymous) == 2 and "forgotten (GET /staff/forgotten/)" in anonymous[0]
    assert (
        "answers an anonymous visitor with 200" in anonymous[0] and "PUBLIC_ROUTES" in anonymous[0]
    )
    assert "forgotten (POST /staff/forgotten/)" in anonymous[1]
    signed_in = walk.without_permission_failures(routes, {}, world)
    assert any(f.startswith("signed-in-only (GET") and "no_role" in f for f in signed_in)
    assert reverse("forgotten") == "/staff/forgotten/"


def test_a_view_that_forgets_the_unit_fails_the_walk(settings, access_world):
    world, samples = access_world
    settings.ROOT_URLCONF = "canhgiac.tests.open_view_urls"
    routes = [r for r in walk.all_routes() if r.key == "unscoped-case"]
    assert walk.missing_samples(routes, samples) == [
        "unscoped-case (/staff/unscoped/<int:pk>/) has URL arguments but no object sample: add "
        "one in canhgiac/tests/access_walk.py (object_samples: an object of district D1, a "
        "person of D1 who may open it, one with the same roles in D2)"
    ]
    # Refused to the anonymous and to those without the permission, it passes those checks.
    assert walk.anonymous_failures(routes, samples) == []
    assert walk.without_permission_failures(routes, samples, world) == []
    samples = {"unscoped-case": walk.Sample(samples["reports:case"].kwargs, **VERIFIERS)}
    failures, tried = walk.other_unit_failures(routes, samples, world)
    assert tried == {"unscoped-case"}
    assert failures == [
        f"unscoped-case (GET /staff/unscoped/{samples['unscoped-case'].kwargs['pk']}/) "
        "answers verifier_d2, of another unit with 200",
        f"unscoped-case (POST /staff/unscoped/{samples['unscoped-case'].kwargs['pk']}/) "
        "answers verifier_d2, of another unit with 200",
    ]
