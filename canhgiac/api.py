"""The one JSON API (django-ninja); each app contributes its router. OpenAPI at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Cảnh Giác API",
    version="1",
    description="Tra cứu, tố giác và dữ liệu cho đối tác của nền tảng Cảnh Giác.",
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/reports/", "reports.api.router")
api.add_router("/training/", "training.api.router")
api.add_router("/detection/", "detection.api.router")
