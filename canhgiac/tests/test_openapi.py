"""The OpenAPI document lists the errors every operation can answer, and what the API really
answers matches what the document says."""

import json

import pytest
from jsonschema import Draft202012Validator

pytestmark = pytest.mark.django_db

COMMON = {"400", "404", "413", "422", "429"}


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def documented(document, path: str, method: str, status: int) -> Draft202012Validator:
    """A validator for the JSON body the document gives for that answer, its references
    resolved within the document."""
    response = document["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": document["components"]})


def test_every_operation_documents_the_common_errors(document):
    seen = 0
    for path, method, operation in operations(document):
        seen += 1
        missing = COMMON - set(operation["responses"])
        assert not missing, f"{method.upper()} {path} lacks {sorted(missing)}"
        for code in COMMON:
            content = operation["responses"][code]["content"]["application/json"]
            assert "schema" in content and operation["responses"][code]["description"]
    assert seen >= 9


def test_one_error_schema_and_the_operations_own_answers_are_kept(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    submit = document["paths"]["/api/reports/"]["post"]["responses"]
    # The reports API documents its own 400 (sentences in `errors`): kept as it was.
    assert submit["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    assert submit["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert {"200", "201", "401"} <= set(submit)


def test_the_real_422_matches_the_documented_schema(client, document):
    response = client.post(
        "/api/lookup/check-batch", json.dumps({"values": "x"}), content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] and {"field", "message"} <= set(body["errors"][0])
    validator = documented(document, "/api/lookup/check-batch", "post", 422)
    validator.validate(body)
    # The schema can fail: a body without detail, or errors that are neither text nor pairs.
    assert not validator.is_valid({"errors": []})
    assert not validator.is_valid({"detail": "x", "errors": [{"field": "a"}]})


@pytest.mark.parametrize(
    ("path", "method", "status", "send"),
    [
        (
            "/api/lookup/check-batch",
            "post",
            400,
            {"data": "{x", "content_type": "application/json"},
        ),
        ("/api/detection/analyse", "post", 413, {"CONTENT_LENGTH": str(2 * 1024 * 1024)}),
        ("/api/reports/status/{code}", "get", 404, {}),
    ],
)
def test_other_real_errors_match_the_document(client, document, path, method, status, send):
    url = path.replace("{code}", "KHONGCO")
    send = dict(send)
    if method == "post":
        send.setdefault("data", "{}")
        send.setdefault("content_type", "application/json")
        response = client.post(url, **send)
    else:
        response = client.get(url, **send)
    assert response.status_code == status
    documented(document, path, method, status).validate(response.json())
