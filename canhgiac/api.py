"""The one JSON API (django-ninja); each app contributes its router. OpenAPI at /api/docs."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

api = NinjaAPI(
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
}


def _vietnamese(error: dict) -> dict:
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
        {"detail": "Dữ liệu gửi lên không hợp lệ.", "errors": errors},
        status=422,
    )
