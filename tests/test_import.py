"""manage.py import_source: all or nothing, every problem named, a second import changes nothing."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.records import entries, snapshot
from tracker.imports import import_source
from tracker.models import Actor, Claim, ClaimRelation, Source

pytestmark = pytest.mark.django_db

EXAMPLE = (
    Path(__file__).resolve().parents[1] / "docs" / "examples" / "tass-2017-02-03-timonin-seoul.json"
)
SLUG = "tass-2017-02-03-timonin-seoul"


@pytest.fixture
def document():
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def without_ids(value):
    """An API representation less what a re-created row cannot keep: ids and API addresses."""
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k not in {"id", "url", "claim"}}
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    return value


@pytest.fixture
def without_the_source(api):
    """The seed record less the example's source and its claims; returns its API detail."""
    source = Source.objects.get(slug=SLUG)
    detail = api.get(f"/api/v1/sources/{source.pk}/").json()
    Claim.objects.filter(source=source).delete()
    source.delete()
    return detail


def run(path, *options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_source", str(path), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_example_is_the_seed_record_so_importing_it_changes_nothing():
    before = snapshot()
    out, _ = run(EXAMPLE)
    assert snapshot() == before
    assert out.splitlines()[-1] == (
        "actors: 4 unchanged; sources: 1 unchanged; claims: 22 unchanged; relations: 3 unchanged "
        "(nothing to write: the database already holds all of it)"
    )


def test_an_import_recreates_the_document_exactly_and_a_second_one_changes_nothing(
    api, without_the_source
):
    out, _ = run(EXAMPLE, "--state", "published")  # the seed record is published
    assert out.splitlines()[-1] == (
        "actors: 4 unchanged; sources: 1 created; claims: 22 created; relations: 3 created"
    )
    source = Source.objects.get(slug=SLUG)
    assert without_ids(api.get(f"/api/v1/sources/{source.pk}/").json()) == without_ids(
        without_the_source
    )
    assert ClaimRelation.objects.filter(from_claim__source=source).count() == 3
    contradicting = ClaimRelation.objects.filter(from_claim__source=source, type="contradicts")
    assert sorted(contradicting.values_list("from_claim__slug", "to_claim__slug")) == [
        ("tass-timonin-rejected-media-reports-2017", "south-korean-media-pyongyang-unwilling-2017"),
        ("timonin-rejects-media-reports-2017", "south-korean-media-pyongyang-unwilling-2017"),
    ]

    # One history entry per new record, made by no one, with its links and the file's name:
    # a claim is created, linked to its events, then related to others, and still has one.
    claim = Claim.objects.get(slug="timonin-rejects-media-reports-2017")
    listed = api.get(f"/api/v1/claims/{claim.pk}/history/").json()["results"]
    assert [(entry["who"], entry["type"]) for entry in listed] == [(None, "created")]
    assert Claim.history.filter(id=claim.pk).get().links == {
        "events": ["timonin-seoul-briefing-2017"],
        "relations": [
            {"type": "contradicts", "claim": "south-korean-media-pyongyang-unwilling-2017"}
        ],
    }
    created = [source, *source.claims.all()]
    assert len(created) == 23
    reason = "import tass-2017-02-03-timonin-seoul.json"
    assert {record.slug: entries(record) for record in created} == {
        record.slug: [("+", None, reason)] for record in created
    }
    # The relations' notes are the file's.
    assert ClaimRelation.objects.get(from_claim=claim).note.startswith("001: ")

    before = snapshot()
    out, _ = run(EXAMPLE)
    assert snapshot() == before  # history included: a second import records nothing
    assert "created" not in out


def test_declared_actors_are_created_with_their_affiliations(document, without_the_source):
    """Actors of one file may name each other: each is created, then given its affiliation,
    and has one history entry all the same."""
    document["actors"] = [
        {
            "slug": "new-envoy",
            "name": "A New Envoy",
            "kind": "person",
            "affiliation": "new-ministry",
        },
        {
            "slug": "new-ministry",
            "name": "A New Ministry",
            "kind": "organisation",
            "aliases": ["NM"],
        },
    ]
    document["claims"][0]["claimant"] = "new-envoy"
    report = import_source(document=document)
    assert report.ok, report.render()
    claim = Claim.objects.get(slug=document["claims"][0]["slug"])
    assert (claim.claimant.slug, claim.claimant.affiliation.slug) == ("new-envoy", "new-ministry")
    assert claim.claimant.affiliation.aliases == ["NM"]
    assert entries(claim.claimant) == [("+", None, "import")]
    assert Actor.history.get(id=claim.claimant.pk).affiliation_id == claim.claimant.affiliation_id


def test_dry_run_reports_what_would_be_created_and_writes_nothing(without_the_source):
    before = snapshot()
    out = StringIO()
    call_command("import_source", str(EXAMPLE), "--dry-run", stdout=out)
    assert snapshot() == before
    assert out.getvalue().splitlines()[-1] == (
        "actors: 4 unchanged; sources: 1 created; claims: 22 created; relations: 3 created "
        "(dry run: nothing was written)"
    )


def _set(path: str, value):
    """A change to the example: set ``value`` at a path like ``claims.3.quote``."""

    def change(document):
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(path: str):
    def change(document):
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return change


C0 = "claims[0] 'timonin-cooperation-cut-by-sanctions-2017'"
C3 = "claims[3] 'timonin-implementing-all-sanctions-2017'"
C7 = "claims[7] 'timonin-rejects-media-reports-2017'"
NOT_IN_TEXT = (
    "This quote does not appear in the text of the source 'Russia’s economic cooperation with "
    "North Korea slows down over UN sanctions'. Copy it verbatim from the text (only whitespace "
    "and the style of quotation marks may differ)."
)


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        (_set("claims.3.quote", "Russia will arm North Korea."), [f"{C3}, quote: {NOT_IN_TEXT}"]),
        (
            _set("claims.3.stated", "2017-02-30"),
            [
                f"{C3}, stated: '2017-02-30' is not a valid EDTF date (expected e.g. 2019-04-25, 2020-01, 2022, 2022-07~ or 2017?)."
            ],
        ),
        (
            _set("claims.3.stated", "sometime"),
            [
                f"{C3}, stated: 'sometime' is not a valid EDTF date (expected e.g. 2019-04-25, 2020-01, 2022, 2022-07~ or 2017?)."
            ],
        ),
        (
            _set("claims.3.status", "true-ish"),
            [f'{C3}, status: "true-ish" is not a valid choice.'],
        ),
        (_set("claims.3.claimant", "nobody"), [f"{C3}, claimant: No actor has the slug 'nobody'."]),
        (
            _set("claims.3.events", ["never-happened"]),
            [f"{C3}, events: No event has the slug 'never-happened'."],
        ),
        (
            _set("claims.3.events", "timonin-seoul-briefing-2017"),
            [f'{C3}, events: Expected a list of items but got type "str".'],
        ),
        (
            _set("claims.3.events", ["timonin-seoul-briefing-2017"] * 2),
            [f"{C3}, events: Lists 'timonin-seoul-briefing-2017' twice."],
        ),
        (_set("claims.3.text", 42), [f"{C3}, text: Not a valid string: got a number."]),
        (_set("claims.3.text", "bad\x00byte"), [f"{C3}, text: Null characters are not allowed."]),
        (_set("claims.3.text", ""), [f"{C3}, text: This field may not be blank."]),
        (
            _set("claims.3.slug", "not a slug!"),
            [
                "claims[3] 'not a slug!', slug: Enter a valid \"slug\" consisting of letters, numbers, underscores or hyphens."
            ],
        ),
        (
            _set("claims.3.slug", "timonin-cooperation-cut-by-sanctions-2017"),
            [
                "claims[3] 'timonin-cooperation-cut-by-sanctions-2017', slug: the same slug as claims[0]; each record appears once.",
            ],
        ),
        (
            _set("claims.3.confidence", "high"),
            [
                f"{C3}, confidence: unknown field (expected: slug, kind, text, quote, claimant, stated, status, notes, events, relations)."
            ],
        ),
        (_drop("claims.3.stated"), [f"{C3}, stated: This field is required."]),
        (
            _set("claims.3", "a claim"),
            ["claims[3]: Invalid data. Expected a dictionary, but got str."],
        ),
        (
            _set(
                "claims.7.relations",
                [{"type": "refutes", "claim": "south-korean-media-pyongyang-unwilling-2017"}],
            ),
            [f'{C7} relations[0], type: "refutes" is not a valid choice.'],
        ),
        (
            _set(
                "claims.7.relations",
                [{"type": "supports", "claim": "timonin-rejects-media-reports-2017"}],
            ),
            [f"{C7} relations[0]: A claim cannot relate to itself."],
        ),
        (
            _set("claims.7.relations", [{"type": "supports", "claim": "no-such-claim"}]),
            [f"{C7} relations[0], claim: No claim has the slug 'no-such-claim'."],
        ),
        (
            _set("source.published", "2017-13"),
            [
                "source, published: '2017-13' is not a valid EDTF date (expected e.g. 2019-04-25, 2020-01, 2022, 2022-07~ or 2017?)."
            ],
        ),
        (
            _set("source.publisher", "nobody"),
            ["source, publisher: No actor has the slug 'nobody'."],
        ),
        (
            _set("source.credits", ["never-heard-of"]),
            ["source, credits: No actor has the slug 'never-heard-of'."],
        ),
        (
            _set("actors.1.kind", "alien"),
            ["actors[1] 'tass', kind: \"alien\" is not a valid choice."],
        ),
        (
            _set("actors.1.kind", "state"),
            [
                'actors[1] \'tass\', kind: the stored record has "media", the file "state"; the import never changes a stored record (edit it in the admin).'
            ],
        ),
        (
            _set("actors.1.aliases", ["TASS", 7]),
            ["actors[1] 'tass', aliases[1]: Not a valid string: got a number."],
        ),
        (
            _set("claims.7.relations", "south-korean-media-pyongyang-unwilling-2017"),
            [f'{C7}, relations: Expected a list of items but got type "str".'],
        ),
        (
            _set("claims.7.relations.0.note", 5),
            [f"{C7} relations[0], note: Not a valid string: got a number."],
        ),
        (
            _set("claims.3.source", "tass"),
            [
                f"{C3}, source: unknown field (expected: slug, kind, text, quote, claimant, stated, status, notes, events, relations)."
            ],
        ),
        (
            _set("source.url", "not an address"),
            ["source, url: Enter a valid URL."],
        ),
        (
            _set("actors", [{"slug": "new-one", "name": "New", "kind": "alien"}]),
            ["actors[0] 'new-one', kind: \"alien\" is not a valid choice."],
        ),
        (_set("claims", []), ["file, claims: This list may not be empty."]),
        (_drop("source"), ["file, source: This field is required."]),
    ],
)
def test_one_bad_claim_and_nothing_is_written(without_the_source, document, change, problems):
    change(document)
    before = snapshot()
    report = import_source(document=document)
    assert [str(problem) for problem in report.problems] == problems
    assert snapshot() == before


def test_every_problem_is_reported_at_once(without_the_source, document):
    document["claims"][0]["quote"] = "Not in the text."
    document["claims"][3]["stated"] = "2017-02-30"
    document["claims"][7]["relations"][0]["claim"] = "no-such-claim"
    document["source"]["language"] = 7
    before = snapshot()
    report = import_source(document=document)
    assert snapshot() == before
    # With the source itself refused, quotes are still checked against the file's text.
    assert [str(problem) for problem in report.problems] == [
        "source, language: Not a valid string: got a number.",
        f"{C0}, quote: this quote does not appear in the source's text.",
        f"{C3}, stated: '2017-02-30' is not a valid EDTF date (expected e.g. 2019-04-25, 2020-01, 2022, 2022-07~ or 2017?).",
        f"{C7} relations[0], claim: No claim has the slug 'no-such-claim'.",
    ]


def test_a_stored_record_is_never_overwritten(document):
    document["claims"][6]["status"] = "corroborated"
    document["claims"][6]["events"] = ["timonin-seoul-briefing-2017"]
    before = snapshot()
    report = import_source(document=document)
    assert snapshot() == before
    where = "claims[6] 'south-korean-media-pyongyang-unwilling-2017'"
    assert [str(problem) for problem in report.problems] == [
        f'{where}, status: the stored record has "disputed", the file "corroborated"; the '
        "import never changes a stored record (edit it in the admin).",
        f"{where}, events: the stored record is not linked to the event "
        "'timonin-seoul-briefing-2017'; the import never changes a stored record (link it in the admin).",
    ]


def test_a_claim_slug_of_another_source_is_refused(document):
    document["claims"][0]["slug"] = "matsegora-russia-second-to-china-2020"
    report = import_source(document=document)
    assert [str(problem) for problem in report.problems] == [
        "claims[0] 'matsegora-russia-second-to-china-2020', slug: a stored claim has this slug and "
        "belongs to the source 'tass-2020-02-07-matsegora-interview', not to this one.",
    ]


def test_the_command_exits_with_the_report_on_stderr(tmp_path, document, without_the_source):
    document["claims"][3]["quote"] = "Russia will arm North Korea."
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match=r"bad.json: 1 problem\(s\); nothing was written.$"):
        call_command("import_source", str(path), stderr=err)
    assert err.getvalue().splitlines() == [
        "1 problem(s); nothing was written:",
        f"  {C3}, quote: {NOT_IN_TEXT}",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"source": {',
            "The file is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 13).",
        ),
        (b"\xff\xfe{}", "The file is not UTF-8 (byte 0)."),
        (b"", "The file is not valid JSON: Expecting value (line 1, column 1)."),
    ],
)
def test_a_file_that_is_not_json_is_refused(tmp_path, content, message):
    path = tmp_path / "import.json"
    path.write_bytes(content)
    before = snapshot()
    with pytest.raises(CommandError) as error:
        call_command("import_source", str(path))
    assert str(error.value) == f"{path}: {message} Nothing was written."
    assert snapshot() == before


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(
        CommandError, match=r"^Cannot read .*nothing.json: No such file or directory.$"
    ):
        call_command("import_source", str(tmp_path / "nothing.json"))


def test_a_json_file_of_the_wrong_shape_is_refused():
    report = import_source(document=[copy.deepcopy({"source": {}})])
    assert [str(problem) for problem in report.problems] == [
        "file: Invalid data. Expected a dictionary, but got list."
    ]
