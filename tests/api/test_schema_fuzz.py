"""Fuzzing the API from its own OpenAPI document (schemathesis), in process, on the seed record.

Every operation of ``/api/schema/`` gets generated requests, valid and invalid, and every
response must pass schemathesis' checks: no server error, a status code and content type the
schema documents, a body that conforms to the schema, invalid input refused and valid input
accepted. A fixed seed and a bounded number of examples keep it reproducible and quick; raise
``FUZZ_EXAMPLES`` (reads) and ``FUZZ_WRITE_EXAMPLES`` (writes) to search longer.
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.test import Client as WSGIClient

from config.wsgi import application
from tracker.models import Actor, Claim, Event, Source

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# Writes validate and save (EDTF parsing, quote search, history): fewer examples each.
WRITE_EXAMPLES = int(os.environ.get("FUZZ_WRITE_EXAMPLES", "10"))

# Loaded at collection, straight from the WSGI application: serving the document reads no table.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# Invalid requests may also be refused before their content is read: for their size (413,
# 414), or, for a change to a stored record, for a missing or stale If-Match (428, 412).
rejection = schema.config.checks.negative_data_rejection
rejection.expected_statuses = [*rejection.expected_statuses, "412", "413", "414", "428"]

# The rules a schema cannot state: that a slug names a stored record, that a date the pattern
# admits (2022-02-30) is a real one, that a moment (as_of) is a real one and past, and that a
# cursor is one the change feed gave. A schema-valid request that breaks only these is refused
# with exactly these messages, by the contract; anything else is still a failure.
BEYOND_THE_SCHEMA = {
    **dict.fromkeys(
        ["actor", "tag", "claimant", "source", "event", "publisher"],
        re.compile(r"No (actor|tag|source|event) has the slug '.*'\.", re.DOTALL),
    ),
    **dict.fromkeys(
        ["date_from", "date_to", "stated_from", "stated_to"],
        re.compile(r"'[-\d]+' is not a real date \(.+\)\."),
    ),
    "since": re.compile(r"Not a cursor of this feed: .*", re.DOTALL),
    # A moment of the documented form that is no real one, or one still to come.
    "as_of": re.compile(
        r"'.+' is not a real moment \(.+\)\.|The record is known up to now; .*", re.DOTALL
    ),
}


@pytest.fixture(autouse=True)
def _one_connection_per_test():
    """Requests go through the real WSGI handler, whose end closes the database connection
    when it is not in autocommit: inside the test's transaction, it always is not. Django's own
    test client stops that for the length of a request; this does it for the whole test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def valid_data_is_accepted(ctx, response, case):
    """Schemathesis' positive_data_acceptance, knowing BEYOND_THE_SCHEMA."""
    if response.status_code == 400:
        errors = response.json()["errors"]
        if errors and all(
            name in BEYOND_THE_SCHEMA
            and all(BEYOND_THE_SCHEMA[name].fullmatch(message) for message in messages)
            for name, messages in errors.items()
        ):
            return None
    return positive_data_acceptance(ctx, response, case)


def fuzz_settings(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,  # the same examples on every run: a failure in CI reproduces locally
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@schema.include(method="GET").parametrize()
@fuzz_settings(EXAMPLES)
def test_every_read_answers_as_its_schema_says(db, case):
    case.call_and_validate(
        excluded_checks=[positive_data_acceptance], additional_checks=[valid_data_is_accepted]
    )


@pytest.fixture
def curator_token(curator):
    return Token.objects.create(user=curator).key


@pytest.fixture
def record_ids(db):
    return {
        kind: list(model.objects.order_by("pk").values_list("pk", flat=True))
        for kind, model in (
            ("events", Event),
            ("claims", Claim),
            ("actors", Actor),
            ("sources", Source),
        )
    }


@schema.include(method=["POST", "PUT", "PATCH", "DELETE"]).parametrize()
@fuzz_settings(WRITE_EXAMPLES)
def test_every_write_answers_as_its_schema_says(db, case, curator_token, record_ids):
    """Writes by a curator (token), on stored records: a generated id is mapped onto one, and
    a valid request carries the record's current ETag in If-Match, as a client's would, so that
    the writes reach validation and the database rather than stopping at 404 or 412.

    Every check runs but positive_data_acceptance: whether a write is valid depends on what is
    stored (slugs taken or named, quotes in the source's text, ETags), which no schema states;
    tests/api/test_hostile_writes.py and the writes' own tests cover that with exact answers.
    """
    kind = case.path.split("/")[3]
    ids = record_ids[kind]
    if isinstance(case.path_parameters, dict) and isinstance(case.path_parameters.get("id"), int):
        case.path_parameters["id"] = ids[case.path_parameters["id"] % len(ids)]
        if case.meta.generation.mode.is_positive:
            # Read through the WSGI application as the case will be sent (Django's test client
            # would put back the connection-closing handlers the fixture above took away).
            current = WSGIClient(application).get(f"/api/v1/{kind}/{case.path_parameters['id']}/")
            if current.status_code == 200:
                case.headers = {**(case.headers or {}), "If-Match": current.headers["ETag"]}
    case.call_and_validate(
        headers={"Authorization": f"Token {curator_token}"},
        excluded_checks=[positive_data_acceptance],
    )


# Generated strings rarely reach the ends of the calendar, where a window once answered 500
# (issue 19): every read with a date window is also sent each edge, at each end.
EDGE_DATES = ["0001", "0001-01", "0001-01-01", "9999", "9999-12", "9999-12-31"]
WINDOW_PARAMETERS = {"date_from", "date_to", "stated_from", "stated_to"}
EDGE_CASES = [
    (operation.path, name, value)
    for operation in (result.ok() for result in schema.get_all_operations())
    if operation.method.upper() == "GET"
    for name in sorted(WINDOW_PARAMETERS & {parameter.name for parameter in operation.query})
    for value in EDGE_DATES
]


def test_the_edges_reach_every_window():
    assert {path for path, _, _ in EDGE_CASES} == {
        "/api/v1/events/", "/api/v1/claims/", "/api/v1/stats/timeline/", "/api/v1/stats/claims/",
    }  # fmt: skip


@pytest.mark.parametrize(("path", "name", "value"), EDGE_CASES)
def test_every_read_answers_at_the_edges_of_the_calendar(db, path, name, value):
    case = schema[path]["GET"].Case(query={name: value})
    case.call_and_validate()
