"""The OpenAPI schema tells the truth (issue 11, defect 9).

Schemathesis generates requests from the schema (`/api/schema/`) for every operation, valid ones
and ones the schema forbids, sends them to the Django application (WSGI, in this process and this
test's transaction) signed in with a phone token as an operator and as a gridworker, and checks
every answer against the schema: no server error, a documented status code, content type,
headers and body. A request the schema forbids must be refused (4xx), and a refused act changes
nothing. Bounded and deterministic: EXAMPLES cases per operation and user, the same ones each run.
"""

import json
from functools import cache, partial

import pytest
import schemathesis
from django.core import signals
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from disputes import workflow
from disputes.linkage import escalation
from disputes.models import AuditEntry, Case, CaseRequest, JointTask, Party, Photo, Report
from ledgers import services as ledgers
from ledgers.models import Export
from tests import worlds
from tests.disputes.stories import handled, new_case
from tests.disputes.test_documents import mediated_agreement
from tests.factories import client_for

EXAMPLES = 16
# Every check that a single request can settle. Not `positive_data_acceptance` (a valid request
# may name a case that is not there: 404), nor `ignored_auth` (the token goes as a plain header,
# so schemathesis cannot tell it from the credentials it invents).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    use_after_free,
    ensure_resource_availability,
]


@cache
def api_schema():
    """The schema as /api/schema/ serves it, loaded once per process, answered by the WSGI app."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = WSGIHandler()
    return loaded


def operation_labels():
    labels = []
    for result in api_schema().get_all_operations():
        operation = result.ok()
        labels.append((operation.method.upper(), operation.path))
    return labels


@pytest.fixture
def world(db):
    return worlds.build()


@pytest.fixture
def objects(world, settings, tmp_path):
    """Cases in several states (one with a signed agreement), a pending request, a joint task,
    finished exports and a photo: the path parameters that name them are sent too, so that the
    documents and files are answered and acts meet real cases (and, refused, leave them as they were)."""
    settings.MEDIA_ROOT = tmp_path
    reported = new_case(world)
    accepted = new_case(world)
    workflow.accept_case(world.county_operator, accepted)
    in_progress = handled(world, world.v1_mediation, world.mediator)
    asking = handled(world, world.v1_mediation, world.mediator)
    workflow.request_extension(world.mediator, asking, days=3, reason="等待鉴定")
    joint = handled(world, world.v1_mediation, world.mediator)
    escalation.summon_units(world.county_operator, joint, units=[world.t1_justice])
    agreed = mediated_agreement(world).case
    cases = [reported, accepted, in_progress, asking, joint, agreed]
    exports = []
    for user, format in ((world.operator, "xlsx"), (world.gridworker, "csv")):
        export = ledgers.request_export(user, register="cases", format=format, filters={})
        ledgers.write(export.pk)
        exports.append(export.pk)
    photo = Photo(sha256="ab" * 32, content_type="image/jpeg", size=3, width=1, height=1, uploaded_by=world.gridworker)
    photo.original.save("original.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.public.save("public.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.save()
    return {
        "/api/cases/{id}": [case.pk for case in cases],
        "/api/public/cases/{number}": list(
            Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("number", flat=True)
        ),
        "/api/requests/{id}": list(CaseRequest.objects.values_list("pk", flat=True)),
        "/api/tasks/{id}": list(JointTask.objects.values_list("pk", flat=True)),
        "/api/ledgers/exports/{id}": exports,
        "/api/photos/{sha256}": [photo.sha256],
    }


def with_path(operation, mode, path_parameters):
    return operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)


def strategy_for(operation, objects):
    """Valid and invalid requests as the schema allows; also with the ids of real objects."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    for prefix, values in objects.items():
        if operation.path.startswith(prefix) and values:
            name = prefix.rsplit("{", 1)[1].rstrip("}")
            paths = st.sampled_from([{name: value} for value in values])
            for mode in modes:
                strategies.append(paths.flatmap(partial(with_path, operation, mode)))
    return st.one_of(strategies)


@pytest.fixture
def same_connection():
    """Keep the test's database connection (and its transaction) open across requests, as Django's
    test client does: the WSGI handler would close it when each request finishes."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def with_current_version(case):
    """A valid act on a real case names the version it is at, so that some acts are carried out."""
    meta = case.meta
    pk = case.path_parameters.get("id") if case.path_parameters else None
    valid = meta is not None and not meta.generation.mode.is_negative
    if valid and case.method == "POST" and case.path.startswith("/api/cases/{id}/") and isinstance(case.body, dict):
        current = Case.objects.filter(pk=pk).values_list("version", flat=True).first()
        if current is not None:
            case.body["version"] = current


def state_of_the_world():
    """What a refused POST must leave as it was: the cases (their versions: every act bumps it),
    the audit log, and every kind of row a POST can add."""
    counted = (Case, AuditEntry, Report, Party, CaseRequest, JointTask, Photo, Export)
    return (
        sorted(Case.objects.values_list("pk", "version", "resident_rating")),
        *(model.objects.count() for model in counted),
    )


@pytest.mark.parametrize("who", ["operator", "gridworker"])
@pytest.mark.parametrize(("method", "path"), operation_labels())
def test_the_api_answers_as_its_schema_says(world, objects, same_connection, who, method, path):
    operation = api_schema()[path][method]
    user = getattr(world, who)
    key = Token.objects.create(user=user).key
    # Werkzeug's test client does not undo gzip as an HTTP client would (the map layers compress).
    headers = {"Authorization": f"Token {key}", "Accept-Encoding": "identity"}

    @given(case=strategy_for(operation, objects), fresh=st.booleans())
    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def answers_truthfully(case, fresh):
        Token.objects.get_or_create(key=key, user=user)  # signing out (POST /api/auth/logout/) revokes it
        if fresh:
            with_current_version(case)
        before = state_of_the_world()
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        if method != "GET" and response.status_code >= 400:
            assert state_of_the_world() == before, f"a refused {method} {path} changed something"

    answers_truthfully()


# --- what schemathesis found, each pinned down ----------------------------------------------


def test_a_resident_code_with_other_than_ascii_is_not_found_not_a_500(world):
    case = new_case(world)
    response = client_for().get(f"/api/public/cases/{case.number}/", {"code": "蹑"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client_for().post(
        f"/api/public/cases/{case.number}/rating/", {"code": "蹑", "satisfaction": "basic"}, format="json"
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/maps/regions.geojson", "level"),
        ("/maps/regions.geojson", "zoom"),
        ("/maps/regions.geojson", "within"),
        ("/maps/regions.geojson", "bbox"),
        ("/maps/cells.geojson", "region"),
        ("/maps/cells.geojson", "mine"),
    ],
)
def test_a_map_parameter_given_empty_is_a_400_naming_it(world, url, name):
    response = client_for(world.operator).get(url, {name: ""})
    assert response.status_code == 400
    assert response.json()["code"] == f"invalid_{name}" and name in response.json()["fields"]


def test_the_schema_generates_valid_without_a_warning():
    """What `manage.py spectacular --validate --fail-on-warn` checks."""
    GENERATOR_STATS.reset()
    document = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(document)
    assert not GENERATOR_STATS, (GENERATOR_STATS._warn_cache, GENERATOR_STATS._error_cache)


def test_the_schema_documents_the_errors_every_operation_can_give():
    document = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(m.upper(), p): op for p, ops in document["paths"].items() for m, op in ops.items()}
    error = {"$ref": "#/components/schemas/Error"}
    act = operations[("POST", "/api/cases/{id}/accept/")]["responses"]
    assert {"200", "204", "400", "401", "403", "404", "409", "413", "415"} <= set(act)
    assert act["404"]["content"]["application/json"]["schema"] == error
    # A paginated list: a page past the end is 404; the resident look-up is throttled.
    assert "404" in operations[("GET", "/api/reports/")]["responses"]
    assert "429" in operations[("GET", "/api/public/cases/{number}/")]["responses"]
    # Without sign-in: no 401 where nothing is authenticated.
    assert "401" not in operations[("GET", "/maps/regions.geojson")]["responses"]
    case_list = document["components"]["schemas"]["CaseList"]["properties"]
    assert case_list["handler"]["nullable"] is True
    page = document["components"]["schemas"]["PaginatedCaseGeoList"]["allOf"][1]
    assert page["required"] == ["type", "count", "features"]


@pytest.mark.parametrize("url", ["/api/cases/", "/api/cases/geojson/", "/maps/cells.geojson", "/maps/regions.geojson"])
@pytest.mark.parametrize(
    "box", ["1_14,41,115,42", "114,41,115,infinity", "١١٤,41,115,42", "+114,41,115,42", "114,41,115"]
)
def test_a_box_is_four_plain_numbers_as_the_schema_says(world, url, box):
    """Python's float() takes more than the schema's pattern: the pattern is the rule."""
    response = client_for(world.operator).get(url, {"bbox": box})
    assert response.status_code == 400 and "bbox" in response.json()["fields"]


@pytest.mark.parametrize("header", ["", "abc", '"١"', 'W/"x"'])
def test_a_malformed_if_match_is_refused_even_beside_a_version(world, header):
    case = new_case(world)
    response = client_for(world.county_operator).post(
        f"/api/cases/{case.pk}/accept/", {"version": case.version}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 400 and "version" in response.json()["fields"]
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.parametrize("path", ["/maps/regions.geojson", "/maps/cells.geojson"])
def test_a_layer_not_modified_is_a_304_as_documented(world, same_connection, path):
    operation = api_schema()[path]["GET"]
    key = Token.objects.create(user=world.operator).key
    headers = {"Authorization": f"Token {key}", "Accept-Encoding": "identity"}
    first = operation.Case()
    response = first.call(headers=headers)
    first.validate_response(response, checks=CHECKS, headers=headers)
    again = operation.Case(headers={"If-None-Match": response.headers["etag"][0]})
    response = again.call(headers=headers)
    assert response.status_code == 304
    again.validate_response(response, checks=CHECKS, headers=headers)
