"""Reading our answers and the spec's example documents (fixtures/) the same way."""

import json
import pathlib
from xml.etree import ElementTree

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
BASE = "/open311/v2"


def fixture(name):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return ElementTree.fromstring(text.encode()) if name.endswith(".xml") else json.loads(text)


def body(response):
    """JSON as Python, XML as an Element; the content type and UTF-8 declaration checked on the way."""
    content_type = response["Content-Type"]
    if content_type.startswith("text/xml"):
        assert content_type == "text/xml; charset=utf-8"
        assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        return ElementTree.fromstring(response.content)
    assert content_type == "application/json; charset=utf-8"
    return json.loads(response.content)


def tags(element):
    """The element names under `element`, nested; the items of a list collapse into one."""
    return {child.tag: tags(child) for child in element}


def keys(document):
    """The field names of a JSON document, nested; a list's items collapse into the union of theirs."""
    if isinstance(document, list):
        merged = {}
        for item in document:
            merged.update(keys(item) or {})
        return merged if document and isinstance(document[0], dict) else None
    if isinstance(document, dict):
        return {name: keys(value) for name, value in document.items()}
    return None


def post(client, fmt="json", HTTP_ACCEPT_LANGUAGE=None, **fields):  # noqa: N803 (Django's header name)
    headers = {"HTTP_ACCEPT_LANGUAGE": HTTP_ACCEPT_LANGUAGE} if HTTP_ACCEPT_LANGUAGE else {}
    return client.post(f"{BASE}/requests.{fmt}", fields, **headers)


def request_fields(key, **overrides):
    fields = {
        "api_key": key,
        "service_code": "5201",
        "lat": "41.5",
        "long": "114.25",
        "description": "村口垃圾堆放三天无人清理",
        "first_name": "明",
        "last_name": "李",
        "phone": "13800000000",
        "email": "li@example.org",
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}
