"""The one JSON API (django-ninja); each app contributes its router. OpenAPI at /api/docs."""

import logging
from typing import TypedDict

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.types import DictStrAny

# The answer of every error, in the document once: 422 fills `errors` with {field, message},
# some 400 answers with sentences.
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "errors": {
            "type": "array",
            "title": "Errors",
            "items": {
                "anyOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                        "required": ["field", "message"],
                    },
                ]
            },
        },
    },
    "required": ["detail"],
}
COMMON_ERRORS = {
    400: "Yêu cầu không hợp lệ (thân không phải JSON, hoặc dữ liệu sai)",
    404: "Không tìm thấy",
    413: "Nội dung gửi lên quá lớn",
    422: "Dữ liệu không đúng lược đồ: mỗi lỗi một trường (field, message)",
    429: "Gửi quá nhiều yêu cầu",
}
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class CanhGiacAPI(NinjaAPI):
    """The API whose document lists, for every operation, the errors any of them may answer
    (a body that is not JSON, an unknown code, a body too large, a schema error, the rate
    limit) with one error schema, unless the operation documents its own."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("Error", ERROR_SCHEMA)
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for item in schema["paths"].values():
            for method, operation in item.items():
                if method not in _METHODS:
                    continue
                responses = operation.setdefault("responses", {})
                declared = {str(code) for code in responses}
                for code, description in COMMON_ERRORS.items():
                    if str(code) not in declared:
                        responses[code] = {"description": description, "content": content}
        return schema


api = CanhGiacAPI(
    title="Cảnh Giác API",
    version="1",
    description="Tra cứu, tố giác và dữ liệu cho đối tác của nền tảng Cảnh Giác.",
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/reports/", "reports.api.router")
api.add_router("/lookup/", "lookup.api.router")
api.add_router("/training/", "training.api.router")
api.add_router("/detection/", "detection.api.router")

# Pydantic's error types, said in Vietnamese for people building on the API.
_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "string_too_long": "dài quá {max_length} ký tự",
    "string_too_short": "ngắn hơn {min_length} ký tự",
    "too_long": "nhiều quá {max_length} phần tử",
    "too_short": "ít hơn {min_length} phần tử",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than": "phải nhỏ hơn {lt}",
    "string_type": "phải là chuỗi ký tự",
    "bool_parsing": "phải là true hoặc false",
    "enum": "không thuộc các giá trị cho phép: {expected}",
    "literal_error": "không thuộc các giá trị cho phép: {expected}",
    "json_invalid": "JSON không hợp lệ",
    "datetime_parsing": "phải là thời điểm theo ISO 8601",
    "date_from_datetime_parsing": "phải là ngày theo ISO 8601 (YYYY-MM-DD)",
    # A ValueError of our own validators (lib.text): its message is already Vietnamese.
    "value_error": "{error}",
    "string_unicode": "chứa ký tự Unicode không hợp lệ (nửa cặp surrogate)",
}


class FieldError(TypedDict):
    """One item of `errors` in a 422 answer (ERROR_SCHEMA)."""

    field: str
    message: str


def _vietnamese(error: DictStrAny) -> FieldError:
    """One of ninja's error dicts (pydantic's shape: type, loc, ctx...) in Vietnamese."""
    loc = list(error.get("loc", ()))
    # ("body", "<parameter name>", "field", ...) or ("query", "field"): keep the field path.
    loc = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
    field = ".".join(str(part) for part in loc) or "(nội dung)"
    template = _MESSAGES.get(error.get("type", ""))
    try:
        message = template.format(**error.get("ctx", {})) if template else "không hợp lệ"
    except (KeyError, IndexError):
        message = "không hợp lệ"
    return {"field": field, "message": f"{field}: {message}"}


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_vietnamese(e) for e in exc.errors]
    return api.create_response(
        request,
        {"detail": _("Dữ liệu gửi lên không hợp lệ."), "errors": errors},
        status=422,
    )


# Every other error answers JSON in Vietnamese too, never Django's HTML page or a trace.
_NINJA_ENGLISH = {"Unauthorized": 401, "Forbidden": 403, "Not Found": 404}
_log = logging.getLogger("django.request")


def _detail(request: HttpRequest, detail: str, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = _("Thân yêu cầu không phải JSON hợp lệ.")
    elif message in _NINJA_ENGLISH:
        message = {
            401: _("Cần xác thực để dùng địa chỉ này."),
            403: _("Không có quyền dùng địa chỉ này."),
            404: _("Không tìm thấy."),
        }[_NINJA_ENGLISH[message]]
    return _detail(request, message, exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _detail(request, _("Không tìm thấy."), 404)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _detail(request, _("Không có quyền dùng địa chỉ này."), 403)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _detail(request, _("Nội dung gửi lên quá lớn."), 413)


@api.exception_handler(SuspiciousOperation)
def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Logged as Django logs it (too many fields, a bad header), without a trace for the caller.
    logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
    return _detail(request, _("Yêu cầu không hợp lệ."), 400)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    _log.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return _detail(request, _("Lỗi máy chủ. Hãy thử lại sau ít phút."), 500)
