"""The curators' admin, through its pages: the source-and-claims workflow, the quote rule,
highlighted quotes, bulk status actions, history, roles and constant query counts."""

import re

import pytest

from tests.factories import ActorFactory, ClaimFactory, EventFactory, SourceFactory
from tests.records import entries, snapshot
from tracker.models import Actor, Claim, ClaimRelation, Event, Source, Tag

pytestmark = pytest.mark.django_db

TEXT = (
    "PYONGYANG, May 2. The minister said the talks were \u201cfrank and useful\u201d.\n\n"
    "He added: trade will grow this year."
)


@pytest.fixture
def admin_client(client, curator):
    client.force_login(curator)
    return client


def source_form(**changes) -> dict:
    """The add-source form as a browser posts it, with one claim marked inline."""
    tass = Actor.objects.get(slug="tass")
    form = {
        "title": "Minister on the talks",
        "slug": "minister-on-the-talks",
        "publisher": tass.pk,
        "author": "",
        "url": "",
        "published": "2023-05-02",
        "language": "en",
        "text": TEXT,
        "notes": "",
        "retrieved": "",
        "archive_url": "",
        "claims-TOTAL_FORMS": "1",
        "claims-INITIAL_FORMS": "0",
        "claims-MIN_NUM_FORMS": "0",
        "claims-MAX_NUM_FORMS": "1000",
        "claims-0-kind": "statement",
        "claims-0-claimant": Actor.objects.get(slug="ri-son-gwon").pk,
        "claims-0-quote": 'the talks were "frank and useful"',
        "claims-0-text": "The talks were frank and useful.",
        "claims-0-stated": "2023-05-02",
        "claims-0-status": "unverified",
        "claims-0-notes": "",
        "claims-0-events": [Event.objects.get(slug="vladivostok-summit-2019").pk],
        "claims-0-slug": "",
        "claims-0-id": "",
        "claims-0-source": "",
    }
    return {**form, **changes}


def test_a_source_is_added_with_its_claims_marked_inline(admin_client):
    response = admin_client.post("/admin/tracker/source/add/", source_form())
    assert response.status_code == 302, response.context["errors"]
    source = Source.objects.get(slug="minister-on-the-talks")
    assert source.text == TEXT
    (claim,) = source.claims.all()
    assert claim.slug == "ri-son-gwon-the-talks-were-frank-and-useful"
    assert (
        TEXT[claim.quote_start : claim.quote_end] == "the talks were \u201cfrank and useful\u201d"
    )
    assert list(claim.events.values_list("slug", flat=True)) == ["vladivostok-summit-2019"]
    # One history entry each, by the curator, the claim's with its event.
    (entry,) = claim.history.all()
    assert (entry.history_type, entry.history_user.username) == ("+", "curie")
    assert entry.links["events"] == ["vladivostok-summit-2019"]
    assert [row.history_type for row in source.history.all()] == ["+"]


def test_a_quote_not_in_the_text_being_added_is_refused_on_the_quote(admin_client):
    form = source_form(**{"claims-0-quote": "the talks were a failure"})
    before = Source.objects.count(), Claim.objects.count()
    response = admin_client.post("/admin/tracker/source/add/", form)
    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.errors == [
        {
            "quote": [
                "This quote does not appear in the text of the source 'Minister on the talks'. "
                "Copy it verbatim from the text (only whitespace and the style of quotation "
                "marks may differ)."
            ]
        }
    ]
    assert "This quote does not appear in the text of the source" in response.content.decode()
    assert (Source.objects.count(), Claim.objects.count()) == before


def test_the_quote_is_checked_against_the_text_submitted_with_it(admin_client):
    """The quote is in the text being pasted, not in any saved text: accepted."""
    form = source_form(text="A different document: trade will grow this year, he said.")
    form["claims-0-quote"] = "trade will grow this year"
    assert admin_client.post("/admin/tracker/source/add/", form).status_code == 302
    claim = Claim.objects.get(source__slug="minister-on-the-talks")
    assert (claim.quote_start, claim.quote_end) == (22, 47)


def test_the_source_page_highlights_every_claimed_quote(admin_client):
    source = Source.objects.get(slug="tass-2020-02-07-matsegora-interview")
    response = admin_client.get(f"/admin/tracker/source/{source.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    marks = re.findall(r'<mark class="quote" data-claims="([^"]+)"', html)
    claimed = {slug for mark in marks for slug in mark.split()}
    assert claimed == set(source.claims.values_list("slug", flat=True))
    assert len(claimed) == 19
    assert "19 quoted claim(s)." in html


def test_highlighting_escapes_the_text(admin_client):
    source = SourceFactory(
        text='<script>alert("x")</script> The envoy said: "Trade is at its lows."'
    )
    ClaimFactory(source=source, quote="Trade is at its lows.")
    html = admin_client.get(f"/admin/tracker/source/{source.pk}/change/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert re.search(r'<mark class="quote"[^>]*>Trade is at its lows.</mark>', html)


@pytest.mark.parametrize("status", ["corroborated", "disputed", "refuted"])
def test_bulk_action_sets_the_status_of_the_selected_claims(admin_client, status):
    claims = list(Claim.objects.filter(source__slug="tass-2020-02-07-matsegora-interview")[:3])
    others = Claim.objects.exclude(pk__in=[claim.pk for claim in claims])
    others_before = list(others.values_list("pk", "status"))
    response = admin_client.post(
        "/admin/tracker/claim/",
        {
            "action": f"mark_{status}",
            "_selected_action": [claim.pk for claim in claims],
            "rationale": "Checked against the customs figures.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert f"3 claim(s) marked {status}." in response.content.decode()
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == status
        latest = claim.history.first()
        assert (latest.history_type, latest.history_user.username, latest.status) == (
            "~",
            "curie",
            status,
        )
    assert list(others.values_list("pk", "status")) == others_before
    assert {claim.history.first().rationale for claim in claims} == {
        "Checked against the customs figures."
    }


def test_a_bulk_status_change_without_a_rationale_changes_nothing(admin_client):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    response = admin_client.post(
        "/admin/tracker/claim/",
        {"action": "mark_refuted", "_selected_action": [claim.pk]},
        follow=True,
    )
    assert "A change of a claim&#x27;s status needs a rationale" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_an_event_is_saved_with_participants_and_claims_inline(admin_client):
    event = Event.objects.get(slug="vladivostok-summit-2019")
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    page = admin_client.get(f"/admin/tracker/event/{event.pk}/change/")
    form = {
        key: value
        for key, value in _form_values(page).items()
        if not key.startswith(("participations-", "tracker_claim_events-", "claims-"))
    }
    participations = list(event.participations.all())
    form.update(
        {
            "participations-TOTAL_FORMS": str(len(participations) + 1),
            "participations-INITIAL_FORMS": str(len(participations)),
            "participations-MIN_NUM_FORMS": "0",
            "participations-MAX_NUM_FORMS": "1000",
            "Claim_events-TOTAL_FORMS": "1",
            "Claim_events-INITIAL_FORMS": "0",
            "Claim_events-MIN_NUM_FORMS": "0",
            "Claim_events-MAX_NUM_FORMS": "1000",
            "Claim_events-0-claim": claim.pk,
            "Claim_events-0-id": "",
            "Claim_events-0-event": event.pk,
        }
    )
    for index, row in enumerate(participations):
        form.update(
            {
                f"participations-{index}-id": row.pk,
                f"participations-{index}-event": event.pk,
                f"participations-{index}-actor": row.actor_id,
                f"participations-{index}-role": row.role,
            }
        )
    new = len(participations)
    form.update(
        {
            f"participations-{new}-actor": Actor.objects.get(slug="alexander-matsegora").pk,
            f"participations-{new}-role": "observer",
            f"participations-{new}-event": event.pk,
            f"participations-{new}-id": "",
        }
    )
    response = admin_client.post(f"/admin/tracker/event/{event.pk}/change/", form)
    assert response.status_code == 302, _errors(response)
    assert ("alexander-matsegora", "observer") in event.participations.values_list(
        "actor__slug", "role"
    )
    assert claim.events.filter(pk=event.pk).exists()
    latest = event.history.first()
    assert (latest.history_type, latest.history_user.username) == ("~", "curie")
    assert {"actor": "alexander-matsegora", "role": "observer"} in latest.links["actors"]
    claim_entry = claim.history.first()
    assert "vladivostok-summit-2019" in claim_entry.links["events"]


def test_claim_relations_are_edited_inline(admin_client):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    other = Claim.objects.get(slug="matsegora-losing-to-china-2020")
    page = admin_client.get(f"/admin/tracker/claim/{claim.pk}/change/")
    form = _form_values(page)
    form.update(
        {
            "relations_out-TOTAL_FORMS": "1",
            "relations_out-INITIAL_FORMS": "0",
            "relations_out-0-to_claim": other.pk,
            "relations_out-0-type": "supports",
            "relations_out-0-note": "",
            "relations_out-0-id": "",
            "relations_out-0-from_claim": claim.pk,
        }
    )
    response = admin_client.post(f"/admin/tracker/claim/{claim.pk}/change/", form)
    assert response.status_code == 302, _errors(response)
    assert ClaimRelation.objects.filter(from_claim=claim, to_claim=other, type="supports").exists()
    assert claim.history.first().links["relations"] == [
        {"type": "supports", "claim": "matsegora-losing-to-china-2020"}
    ]


def test_the_admin_history_page_shows_what_changed(admin_client, curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    admin_client.post(
        "/admin/tracker/claim/",
        {"action": "mark_refuted", "_selected_action": [claim.pk], "rationale": "Refuted."},
    )
    response = admin_client.get(f"/admin/tracker/claim/{claim.pk}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r"<strong>status:</strong>\s*unverified\s*&nbsp;&rarr;&nbsp;&nbsp;refuted", html
    )
    assert "curie" in html


def test_a_read_only_user_cannot_write_in_the_admin(client, reader):
    client.force_login(reader)
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    assert client.get("/admin/tracker/claim/").status_code == 200
    assert client.get("/admin/tracker/source/add/").status_code == 403
    assert client.post("/admin/tracker/source/add/", source_form()).status_code == 403
    page = client.get(f"/admin/tracker/claim/{claim.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(
        "/admin/tracker/claim/", {"action": "mark_refuted", "_selected_action": [claim.pk]}
    )
    claim.refresh_from_db()
    assert claim.status == "unverified"
    assert response.status_code in (200, 302)
    assert (
        client.post(f"/admin/tracker/claim/{claim.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_deleting_in_the_admin_is_recorded(admin_client):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    response = admin_client.post(f"/admin/tracker/claim/{claim.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    latest = Claim.history.filter(id=claim.pk).first()
    assert (latest.history_type, latest.history_user.username) == ("-", "curie")
    assert latest.links["events"] == ["matsegora-tass-interview-2020"]


def _more_records():
    """Enough extra rows that a query per row would show on every list."""
    source = SourceFactory()
    actors = ActorFactory.create_batch(6, affiliation=Actor.objects.get(slug="russia"))
    for n in range(12):
        event = EventFactory(date=f"1951-{n % 12 + 1:02d}", tags=["t-x"], actors=actors[:2])
        ClaimFactory(source=source, claimant=actors[n % 6], events=[event])
    # The seed record attests every event: these give the "not attested" list rows to show.
    EventFactory.create_batch(3, date="1952", tags=["t-x"], actors=actors[:2])


# url -> queries: session and user, then the list's own (counts, the page with its relations
# selected, the date hierarchy, each filter's choices), the same for 1 row or 100.
CHANGELISTS = {
    "/admin/tracker/claim/": 12,
    "/admin/tracker/claim/?status__exact=unverified&stated_precision__exact=day": 12,
    "/admin/tracker/claim/?q=trade": 12,
    "/admin/tracker/source/": 11,
    "/admin/tracker/event/": 10,
    "/admin/tracker/event/?date_start__year=2022": 9,
    "/admin/tracker/event/?attested=no": 10,
    "/admin/tracker/claim/?kind__exact=statement": 12,
    "/admin/tracker/actor/": 7,
    "/admin/tracker/tag/": 7,
}


@pytest.mark.parametrize(("url", "queries"), CHANGELISTS.items())
def test_list_pages_cost_a_constant_number_of_queries(
    admin_client, url, queries, django_assert_num_queries
):
    with django_assert_num_queries(queries):
        assert admin_client.get(url).status_code == 200
    _more_records()
    with django_assert_num_queries(queries):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


def _form_values(page) -> dict:
    """The values of the main form of an admin change page, as a browser would send them."""
    form = page.context["adminform"].form
    values = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "all"):
            value = [obj.pk for obj in value.all()]
        elif isinstance(value, list):
            value = [getattr(obj, "pk", obj) for obj in value]
        values[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        values.update(
            {
                f"{prefix}-TOTAL_FORMS": str(formset.initial_form_count()),
                f"{prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, inline_form in enumerate(formset.initial_forms):
            for name, field in inline_form.fields.items():
                value = inline_form.initial.get(name, field.initial)
                if hasattr(value, "pk"):
                    value = value.pk
                elif isinstance(value, list):
                    value = [getattr(obj, "pk", obj) for obj in value]
                values[f"{prefix}-{index}-{name}"] = "" if value is None else value
    return values


def _errors(response):
    if response.context is None:
        return response
    errors = [response.context["adminform"].form.errors]
    errors += [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
    return errors


def test_the_event_list_filters_unattested_events_and_marks_them(admin_client):
    EventFactory(slug="bare-event", title="An event nobody reports", date="1950")
    page = admin_client.get("/admin/tracker/event/?attested=no")
    assert page.status_code == 200
    listed = [event.slug for event in page.context["cl"].result_list]
    assert set(listed) == {
        event.slug for event in Event.objects.all() if not event.claims.exclude(quote="").exists()
    }
    assert "bare-event" in listed
    attested = admin_client.get("/admin/tracker/event/?attested=yes").context["cl"].result_list
    assert "bare-event" not in {event.slug for event in attested}
    assert all(event.attested for event in attested)


def test_an_unattested_event_warns_on_its_page(admin_client):
    bare = EventFactory(slug="bare-event", title="An event nobody reports", date="1950")
    page = admin_client.get(f"/admin/tracker/event/{bare.pk}/change/")
    messages = [str(message) for message in page.context["messages"]]
    assert messages == [
        "This event is unattested: no claim with a quote from its source is attached to it. "
        "Add the passage that reports it as a claim (a report or a statement)."
    ]
    attested = Event.objects.filter(claims__quote__gt="").first()
    page = admin_client.get(f"/admin/tracker/event/{attested.pk}/change/")
    assert [str(message) for message in page.context["messages"]] == []


def test_the_claim_list_filters_by_kind(admin_client):
    ClaimFactory(slug="a-report", kind="report")
    page = admin_client.get("/admin/tracker/claim/?kind__exact=report")
    listed = {claim.slug for claim in page.context["cl"].result_list}
    assert "a-report" in listed
    assert listed == set(Claim.objects.filter(kind="report").values_list("slug", flat=True))


# --- One write path: every admin write through the services, one history entry each -------


def test_a_change_form_save_is_one_entry_by_the_curator_for_the_admin(admin_client):
    actor = Actor.objects.get(slug="ri-son-gwon")
    before = entries(actor)
    form = _form_values(admin_client.get(f"/admin/tracker/actor/{actor.pk}/change/"))
    form["title"] = "Foreign Minister"
    response = admin_client.post(f"/admin/tracker/actor/{actor.pk}/change/", form)
    assert response.status_code == 302, _errors(response)
    assert entries(actor) == [("~", "curie", "admin"), *before]
    latest = actor.history.first()
    assert latest.title == "Foreign Minister"


def test_a_source_added_with_a_claim_inline_is_one_entry_each(admin_client):
    response = admin_client.post("/admin/tracker/source/add/", source_form())
    assert response.status_code == 302, _errors(response)
    source = Source.objects.get(slug="minister-on-the-talks")
    (claim,) = source.claims.all()
    assert entries(source) == [("+", "curie", "admin")]
    assert entries(claim) == [("+", "curie", "admin")]


def test_an_event_saved_with_its_inlines_is_one_entry_and_one_for_the_linked_claim(admin_client):
    event = Event.objects.get(slug="vladivostok-summit-2019")
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    event_before, claim_before = entries(event), entries(claim)
    form = _form_values(admin_client.get(f"/admin/tracker/event/{event.pk}/change/"))
    form.update(
        {
            "Claim_events-TOTAL_FORMS": "1",
            "Claim_events-INITIAL_FORMS": "0",
            "Claim_events-MIN_NUM_FORMS": "0",
            "Claim_events-MAX_NUM_FORMS": "1000",
            "Claim_events-0-claim": claim.pk,
            "Claim_events-0-id": "",
            "Claim_events-0-event": event.pk,
            "tags": [*form.get("tags", []), Tag.objects.create(slug="t-new", name="t-new").pk],
        }
    )
    response = admin_client.post(f"/admin/tracker/event/{event.pk}/change/", form)
    assert response.status_code == 302, _errors(response)
    # Tags (a many-to-many field) and the claim inline: still one entry for the event, and the
    # claim's history shows the link made from the event's page.
    assert entries(event) == [("~", "curie", "admin"), *event_before]
    assert "t-new" in event.history.first().links["tags"]
    assert entries(claim) == [("~", "curie", "admin"), *claim_before]


def test_a_claim_deleted_inline_from_its_source_is_recorded(admin_client):
    source = Source.objects.get(slug="tass-2020-02-07-matsegora-interview")
    page = admin_client.get(f"/admin/tracker/source/{source.pk}/change/")
    form = _form_values(page)
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    index = next(
        index
        for index in range(int(form["claims-TOTAL_FORMS"]))
        if form[f"claims-{index}-id"] == claim.pk
    )
    form[f"claims-{index}-DELETE"] = "on"
    response = admin_client.post(f"/admin/tracker/source/{source.pk}/change/", form)
    assert response.status_code == 302, _errors(response)
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert entries(claim)[0] == ("-", "curie", "admin")
    assert entries(source)[0] == ("~", "curie", "admin")


def test_bulk_actions_and_deletes_name_their_reason(admin_client):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    admin_client.post(
        "/admin/tracker/claim/",
        {"action": "mark_disputed", "_selected_action": [claim.pk], "rationale": "Doubted."},
    )
    assert entries(claim)[0] == ("~", "curie", "admin: mark disputed")
    admin_client.post(f"/admin/tracker/claim/{claim.pk}/delete/", {"post": "yes"})
    assert entries(claim)[0] == ("-", "curie", "admin")
    # The admin's history page shows who and why.
    html = admin_client.get(f"/admin/tracker/claim/{claim.pk}/history/").content.decode()
    assert "admin: mark disputed" in html


def test_a_refused_admin_write_leaves_the_database_as_it_was(admin_client):
    source = Source.objects.get(slug="tass-2020-02-07-matsegora-interview")
    form = _form_values(admin_client.get(f"/admin/tracker/source/{source.pk}/change/"))
    form["title"] = "A new title"
    form["claims-0-quote"] = "Words nobody wrote."
    before = snapshot()
    response = admin_client.post(f"/admin/tracker/source/{source.pk}/change/", form)
    assert response.status_code == 200
    assert "This quote does not appear in the text of the source" in response.content.decode()
    assert snapshot() == before


# --- Review ---------------------------------------------------------------------------------


@pytest.fixture
def reviewer_client(reviewer):
    from django.test import Client

    client = Client()
    client.force_login(reviewer)
    return client


def test_review_actions_walk_a_record_and_name_what_they_refuse(admin_client, reviewer_client):
    actor = Actor.objects.get(slug="ri-son-gwon")
    Actor.objects.filter(pk=actor.pk).update(state="draft")
    selected = {"_selected_action": [actor.pk]}
    admin_client.post("/admin/tracker/actor/", {"action": "submit", **selected})
    assert Actor.objects.get(pk=actor.pk).state == "in_review"
    # The curator is no reviewer: publishing is refused and the page says why.
    page = admin_client.post(
        "/admin/tracker/actor/", {"action": "approve", **selected}, follow=True
    )
    assert "needs the permission tracker.publish_actor" in page.content.decode()
    refused = reviewer_client.post(
        "/admin/tracker/actor/", {"action": "send_back", **selected}, follow=True
    )
    assert "needs a rationale" in refused.content.decode()
    assert Actor.objects.get(pk=actor.pk).state == "in_review"
    reviewer_client.post("/admin/tracker/actor/", {"action": "approve", **selected})
    reviewer_client.post(
        "/admin/tracker/actor/",
        {"action": "retract", "rationale": "Not the minister we meant.", **selected},
    )
    actor.refresh_from_db()
    assert (actor.state, actor.state_rationale) == ("retracted", "Not the minister we meant.")
    assert [row.state for row in actor.history.order_by("-history_id")[:3]] == [
        "retracted", "published", "in_review",
    ]  # fmt: skip
    assert actor.history.first().rationale == "Not the minister we meant."


def test_the_review_queue_lists_what_waits_oldest_first(admin_client):
    import datetime

    first, second = Claim.objects.order_by("pk")[:2]
    Claim.objects.filter(pk=second.pk).update(
        state="in_review", updated=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )
    Claim.objects.filter(pk=first.pk).update(
        state="in_review", updated=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    html = admin_client.get("/admin/tracker/claim/review/").content.decode()
    assert html.index(second.slug) < html.index(first.slug)
    assert "Nothing waits" in admin_client.get("/admin/tracker/event/review/").content.decode()


def test_the_review_page_shows_what_changed_since_published(admin_client):
    from tracker import services

    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    services.transition(record=claim, to="retracted", rationale="Check the figure.")
    services.transition(record=claim, to="in_review", rationale="Figure checked.")
    services.claim_update(claim=claim, data={"text": "Trade is at a new low."})
    html = admin_client.get(f"/admin/tracker/claim/{claim.pk}/change/").content.decode()
    section = html[html.index("Changes since the last published version") :]
    assert re.search(r"<th>text</th><td>[^<]*</td><td>Trade is at a new low.</td>", section)
    assert "<th>status</th>" not in section  # unchanged fields are not listed
