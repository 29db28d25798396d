"""The messages storage is made only when a request uses it; a message still reaches the next
page."""

from django.contrib import messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from canhgiac.middleware import LazyMessageMiddleware


def _run(view, cookies=None):
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    # MiddlewareMixin may answer a coroutine (async views); around this sync view it does not.
    middleware = SessionMiddleware(LazyMessageMiddleware(view))  # type: ignore[arg-type]
    return request, middleware(request)


def test_a_request_without_messages_builds_no_storage():
    request, response = _run(lambda r: HttpResponse("ok"))
    assert request._messages._wrapped is empty
    assert "messages" not in response.cookies


def test_a_message_is_stored_and_read_on_the_next_request():
    def add(request):
        messages.success(request, "Đã lưu.")
        return HttpResponse("ok")

    _request, response = _run(add)
    cookie = response.cookies["messages"].value
    seen: list[str] = []

    def read(request):
        seen.extend(str(m) for m in messages.get_messages(request))
        return HttpResponse("ok")

    _request, after = _run(read, {"messages": cookie})
    assert seen == ["Đã lưu."]
    assert after.cookies["messages"].value == ""  # read, so cleared
