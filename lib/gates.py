"""Request gates: what may refuse a request before its view does the work, one decorator each.

    @rate_limited("track", setting="REPORTS_TRACK_RATE_PER_IP", default=60, refuse=too_many)
    @partner_key(app="lookup", scope="api", setting="LOOKUP_API_RATE_PER_IP", default=120, ...)
    @honeypot("website", answer=looks_received)
    @cpu_budget(setting="LOOKUP_BATCH_CPU_SECONDS", default=2.0, refuse=too_heavy)

All have the same shape: keyword settings (the name of a Django setting and its default, read at
each request so that a test or an operator can change it), and a refusal, a function called with
the request and the view's own arguments (a page renders its template from them; the API answers
`api_refusal(status, message)`). `methods` limits a gate to some methods (a form's GET is never
counted). A gate that finds something the view needs hands it on as the argument after the
request: `partner_key` the partner (or None), `cpu_budget` the started budget. The decorators
work on page views and on django-ninja operations alike: ninja reads the view's parameters
through the decorator (its signature is the view's, less what a gate hands on).

The size of a body is not gated here: canhgiac.middleware.limit_request_size refuses it from
the Content-Length by URL name (REQUEST_MAX_BYTES_BY_URL) before the CSRF check reads the body,
which a view decorator would run after.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection
from typing import Concatenate, ParamSpec, TypedDict, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import Promise
from ninja import Status

from lib import ratelimit
from lib.budget import BudgetExceeded, CpuBudget
from orgs import partners
from orgs.partners import Partner

P = ParamSpec("P")
R = TypeVar("R")
View = TypeVar("View", bound=Callable[..., object])


# What a refused request gets: called with the request and the view's own arguments (a ninja
# operation's arguments by name), it answers as the view would (a page, or a ninja Status).
Refusal = Callable[..., object]


class ErrorBody(TypedDict):
    detail: str


def api_refusal(status: int, message: str | Promise) -> Refusal:
    """The API's refusal: `status` with {"detail": message} (translated when it is sent)."""

    def refuse(request: HttpRequest, /, *args: object, **kwargs: object) -> Status[ErrorBody]:
        return Status(status, {"detail": str(message)})

    return refuse


def _applies(request: HttpRequest, methods: Collection[str] | None) -> bool:
    return methods is None or request.method in methods


def _keep_signature(wrapper: Callable[..., object], view: Callable[..., object], drop: int) -> None:
    # ninja reads parameters from the signature, and a string annotation (from __future__
    # import annotations) in the globals of the function it is given: give it the view's
    # signature with the annotations already evaluated, less the `drop` parameters a gate
    # hands on after the request.
    try:
        signature = inspect.signature(view, eval_str=True)
    except NameError:  # a name imported only for the type checker: not a ninja operation
        signature = inspect.signature(view)
    params = list(signature.parameters.values())
    kept = [params[0], *params[1 + drop :]]
    wrapper.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]  # read by inspect.signature


def rate_limited(
    scope: str,
    *,
    setting: str,
    default: int,
    refuse: Refusal,
    reserved: bool = False,
    methods: Collection[str] | None = None,
) -> Callable[[View], View]:
    """At most settings.<setting> requests a minute per client address in `scope` (0: no
    limit); one more is refused. `reserved`: count through lib.ratelimit.allow_reserved (a
    high limit, tokens reserved per process) instead of every request in the cache."""
    count = ratelimit.allow_reserved if reserved else ratelimit.allow

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def gated(request: HttpRequest, /, *args: object, **kwargs: object) -> object:
            if _applies(request, methods):
                limit = int(getattr(settings, setting, default))
                if not count(scope, ratelimit.client_ip(request), limit=limit):
                    return refuse(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        _keep_signature(gated, view, drop=0)
        return cast(View, gated)

    return decorate


def partner_key(
    app: str,
    *,
    scope: str,
    setting: str | None,
    default: int,
    bad_key: Refusal,
    too_many: Refusal,
    key: Callable[[HttpRequest], str] | None = None,
    missing_key: Refusal | None = None,
) -> Callable[
    [Callable[Concatenate[HttpRequest, Partner | None, P], R]],
    Callable[Concatenate[HttpRequest, P], R],
]:
    """A partner's key (X-Api-Key, or what `key` reads from the request) counted against its
    rate_per_minute over all of `app`; without a key, settings.<setting> a minute per address in
    `scope` (orgs.partners.gate; no setting: `default`, 0 for no limit), or `missing_key` when
    a key is required. An unknown or revoked key gets `bad_key`, a request over the limit
    `too_many`; the view gets the partner (None without a key) after the request."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, Partner | None, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R]:
        @functools.wraps(view)
        def gated(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
            raw = key(request) if key is not None else request.headers.get("X-Api-Key", "")
            if not raw and missing_key is not None:
                return cast(R, missing_key(request, *args, **kwargs))  # the view's kind
            limit = int(getattr(settings, setting, default) if setting else default)
            access = partners.gate(request, app=app, scope=scope, ip_limit=limit, key=raw)
            if access.status == 401:
                return cast(R, bad_key(request, *args, **kwargs))  # the view's kind of answer
            if access.status == 429:
                return cast(R, too_many(request, *args, **kwargs))
            return view(request, access.partner, *args, **kwargs)

        _keep_signature(gated, view, drop=1)
        return gated

    return decorate


def honeypot(
    field: str, *, answer: Refusal, methods: Collection[str] | None = ("POST",)
) -> Callable[[View], View]:
    """A field people never see (hidden by CSS) that bots fill: filled, the request gets
    `answer`, which should look like a success so that the bot learns nothing. The field is read
    from the form post, or from the API's `payload` argument."""

    def filled(request: HttpRequest, kwargs: dict[str, object]) -> bool:
        payload = kwargs.get("payload")
        if payload is not None:
            return bool(getattr(payload, field, None))
        return bool(request.POST.get(field))

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def gated(request: HttpRequest, /, *args: object, **kwargs: object) -> object:
            if _applies(request, methods) and filled(request, kwargs):
                return answer(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        _keep_signature(gated, view, drop=0)
        return cast(View, gated)

    return decorate


def cpu_budget(
    *, setting: str, default: float, refuse: Refusal
) -> Callable[
    [Callable[Concatenate[HttpRequest, CpuBudget, P], R]],
    Callable[Concatenate[HttpRequest, P], R],
]:
    """A budget of settings.<setting> seconds of CPU (lib.budget), started before the view and
    handed to it after the request; when the view's work raises BudgetExceeded, `refuse`."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, CpuBudget, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R]:
        @functools.wraps(view)
        def gated(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
            budget = CpuBudget.from_setting(setting, default)
            try:
                return view(request, budget, *args, **kwargs)
            except BudgetExceeded:
                return cast(R, refuse(request, *args, **kwargs))  # the view's kind of answer

        _keep_signature(gated, view, drop=1)
        return gated

    return decorate
