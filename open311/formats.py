"""The two formats of GeoReport v2. XML is the spec's own (schemaless, no namespace, UTF-8 declared);
JSON is its mapping of the same documents (a list where XML has a list element)."""

import json
from xml.etree import ElementTree

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def respond(fmt, root, item, data, status=200):
    """`data` is a list of dicts (rendered as <root><item>…</item>…</root>) or one dict (<root>…</root>)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        element = ElementTree.Element(root)
        if isinstance(data, list):
            for entry in data:
                _fill(ElementTree.SubElement(element, item), entry)
        else:
            _fill(element, data)
        body = ElementTree.tostring(element, encoding="unicode", xml_declaration=False)
        body = '<?xml version="1.0" encoding="utf-8"?>' + body
    return HttpResponse(body.encode(), status=status, content_type=CONTENT_TYPES[fmt])


# The child element of each list in the spec's documents.
LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _fill(element, data):
    for name, value in data.items():
        child = ElementTree.SubElement(element, name)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            for entry in value:
                sub = ElementTree.SubElement(child, LIST_ITEMS.get(name, "item"))
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = _text(entry)
        elif value is not None and value != "":
            child.text = _text(value)


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def errors(fmt, error):
    return respond(fmt, "errors", "error", error.errors, status=error.status)
