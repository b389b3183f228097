"""The curator's workbench: a source's annotate page in the admin and the JSON it talks to.

``SourceAdmin.get_urls`` routes ``/admin/tracker/source/<id>/annotate/`` and its actions here.
The page shows the text with the claims' quotes and the suggestions highlighted (one cut of the
text, ``quotes.segments``), a side panel, and a claim form the browser fills from a selection
or an accepted suggestion. Writes go through ``tracker.services`` (validation, one transaction,
history) and answer JSON: the new state of the page, or the project's one error shape with the
fields named.
"""

from __future__ import annotations

import json
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tracker import quotes, services, suggestions
from tracker.api.exceptions import error_body
from tracker.models import (
    Actor,
    ActorKind,
    Claim,
    ClaimKind,
    ClaimStatus,
    Event,
    RejectedSuggestion,
    RelationType,
    Source,
)

MAX_BODY = 64 * 1024
SEARCH_LIMIT = 20


# --- What the page shows --------------------------------------------------------------------


def state(source: Source) -> dict:
    """The page's data: the claims marked in the source, the suggestions, the text cut into
    highlighted pieces (HTML), in one place for the page and for every write's answer."""
    claims = list(
        source.claims.exclude(quote_start=None)
        .select_related("claimant")
        .only(
            "slug", "kind", "status", "quote", "quote_start", "quote_end", "text", "source_id",
            "claimant__name", "claimant__slug",
        )
        .order_by("quote_start", "pk")
    )  # fmt: skip
    found = suggestions.for_source(
        source, claimed=[(claim.quote_start, claim.quote_end) for claim in claims]
    )
    change_url = reverse("admin:tracker_claim_change", args=[0])
    return {
        "claims": [
            {
                "id": claim.pk,
                "slug": claim.slug,
                "kind": claim.kind,
                "status": claim.status,
                "text": claim.text,
                "start": claim.quote_start,
                "end": claim.quote_end,
                "claimant": claim.claimant.name,
                "url": change_url.replace("/0/", f"/{claim.pk}/"),
            }
            for claim in claims
        ],
        "suggestions": [item.as_json() for item in found],
        "text_html": str(_highlighted(source.text, claims, found)),
    }


def _highlighted(text: str, claims: list[Claim], found: list[suggestions.Suggestion]) -> str:
    """The text as pieces: plain ``span``s, and ``mark``s naming the claims and suggestions
    over them. Every piece carries its offset (``data-start``): a selection's offsets are read
    from them, never counted in the browser."""
    spans = [
        (claim.quote_start, claim.quote_end)
        for claim in claims
        if claim.quote_start is not None and claim.quote_end is not None
    ]
    spans += [(item.start, item.end) for item in found]
    count = len(claims)
    rows = []
    # Thousands of pieces on a long text: escaped and joined directly (format_html per piece
    # costs a third of the page).
    for start, end, covering in quotes.segments(len(text), spans):
        piece = escape(text[start:end])
        if not covering:
            rows.append(f'<span data-start="{start}">{piece}</span>')
            continue
        claimed = [str(claims[i].pk) for i in covering if i < count]
        offered = [str(i - count) for i in covering if i >= count]
        classes = "quote overlap" if len(claimed) > 1 else "quote" if claimed else "suggestion"
        rows.append(
            f'<mark class="{classes}" data-start="{start}" data-claims="{" ".join(claimed)}" '
            f'data-suggestions="{" ".join(offered)}">{piece}</mark>'
        )
    return mark_safe("".join(rows))  # every piece of text is escaped above


def page(request, source: Source, *, admin_site, model_admin):
    data = state(source)
    context = {
        **admin_site.each_context(request),
        "title": f"Annotate: {source.title}",
        "opts": Source._meta,
        "original": source,
        "source": source,
        "text_html": data.pop("text_html"),
        "can_add": request.user.has_perm("tracker.add_claim"),
        "workbench": {
            **data,
            "source": {"id": source.pk, "title": source.title, "published": source.published},
            "urls": {
                "claims": reverse("admin:tracker_source_annotate_claims", args=[source.pk]),
                "reject": reverse("admin:tracker_source_annotate_reject", args=[source.pk]),
                "actors": reverse("admin:tracker_source_annotate_actors", args=[source.pk]),
                "events": reverse("admin:tracker_source_annotate_events", args=[source.pk]),
                "repeats": reverse("admin:tracker_source_annotate_repeats", args=[source.pk]),
                "change": reverse("admin:tracker_source_change", args=[source.pk]),
            },
            "kinds": ClaimKind.values,
            "statuses": ClaimStatus.values,
            "actor_kinds": ActorKind.values,
        },
    }
    return render(request, "admin/tracker/source/annotate.html", context)


# --- The JSON the page talks to -------------------------------------------------------------


def _invalid(errors: dict, status: int = 400) -> JsonResponse:
    return JsonResponse(error_body(status, "invalid", "Invalid input.", errors), status=status)


def _refused(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(error_body(status, code, detail), status=status)


def _body(request) -> dict | JsonResponse:
    if len(request.body) > MAX_BODY:
        return _refused(413, "too_large", "The request body is too large.")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _invalid({"body": ["Send a JSON object."]})
    if not isinstance(body, dict):
        return _invalid({"body": ["Send a JSON object."]})
    return body


def _ids(value, name: str, errors: dict) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value
    ):
        errors[name] = ["A list of ids."]
        return []
    return value


def _text(body: dict, name: str, errors: dict, *, default: str = "", limit: int = 20000) -> str:
    value = body.get(name, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        errors[name] = ["A string."]
        return default
    if "\x00" in value:
        errors[name] = ["Null characters are not allowed."]
        return default
    if len(value) > limit:
        errors[name] = [f"At most {limit} characters."]
        return default
    return value


def _offset(body: dict, name: str, errors: dict) -> int | None:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        errors[name] = ["A character offset (a whole number, 0 or more)."]
        return None
    return value


def save_claim(request, source: Source):
    """Create a claim from a selection: the quote must be ``text[start:end]`` exactly, and the
    first place it stands (quotes are located by their first occurrence)."""
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    errors: dict[str, list[str]] = {}
    start, end = _offset(body, "start", errors), _offset(body, "end", errors)
    quote = _text(body, "quote", errors)
    text = _text(body, "text", errors).strip() or quote.strip()
    kind = _text(body, "kind", errors, default=ClaimKind.STATEMENT)
    status = _text(body, "status", errors, default=ClaimStatus.UNVERIFIED)
    stated = _text(body, "stated", errors, limit=100).strip() or source.published
    notes = _text(body, "notes", errors)
    event_ids = _ids(body.get("events"), "events", errors)
    repeat_ids = _ids(body.get("repeats"), "repeats", errors)
    if start is not None and end is not None and "quote" not in errors:
        if not start < end <= len(source.text):
            errors["end"] = [f"The passage must lie within the text (0 to {len(source.text)})."]
        elif source.text[start:end] != quote:
            errors["quote"] = ["The quote is not the text between start and end."]
        elif not quote.strip():
            errors["quote"] = ["Select some words."]
        else:
            first = quotes.locate(quote, source.text)
            if first is not None and first.start != start:
                errors["quote"] = [
                    f"These words also stand earlier in the text (at {first.start}); select a "
                    "longer passage, so the quote is found where you selected it."
                ]
    if kind not in ClaimKind.values:
        errors["kind"] = [f"One of: {', '.join(ClaimKind.values)}."]
    if status not in ClaimStatus.values:
        errors["status"] = [f"One of: {', '.join(ClaimStatus.values)}."]
    claimant, new_claimant = None, body.get("new_claimant")
    if new_claimant is not None:
        if not isinstance(new_claimant, dict):
            errors["new_claimant"] = ["An object: {name, kind}."]
        else:
            name = _text(new_claimant, "name", errors, limit=200).strip()
            actor_kind = _text(new_claimant, "kind", errors, default=ActorKind.PERSON)
            if not name:
                errors["new_claimant"] = ["Give the new actor's name."]
            elif actor_kind not in ActorKind.values:
                errors["new_claimant"] = [f"kind: one of {', '.join(ActorKind.values)}."]
            new_claimant = {"name": name, "kind": actor_kind}
    else:
        claimant_id = body.get("claimant")
        if not isinstance(claimant_id, int) or isinstance(claimant_id, bool):
            errors["claimant"] = ["Pick the claimant."]
        else:
            claimant = Actor.objects.filter(pk=claimant_id).first()
            if claimant is None:
                errors["claimant"] = [f"No actor with id {claimant_id}."]
    events = list(Event.objects.filter(pk__in=event_ids))
    if len(events) != len(set(event_ids)):
        missing = sorted(set(event_ids) - {event.pk for event in events})
        errors["events"] = [f"No event with id {', '.join(map(str, missing))}."]
    new_events = body.get("new_events") or []
    if not isinstance(new_events, list) or not all(
        isinstance(item, dict) and isinstance(item.get("title"), str)
        and isinstance(item.get("date"), str) and item["title"].strip()
        and "\x00" not in item["title"] + item["date"] and len(item["title"]) <= 300
        for item in new_events
    ):  # fmt: skip
        errors["new_events"] = ["A list of {title, date}: each new event's title and EDTF date."]
        new_events = []
    repeated = list(Claim.objects.filter(pk__in=repeat_ids).exclude(source=source))
    if len(repeated) != len(set(repeat_ids)):
        errors["repeats"] = ["Only claims of other sources can be repeated."]
    if errors:
        return _invalid(errors)
    try:
        with transaction.atomic():
            if new_claimant is not None:
                claimant = services.actor_create(
                    **new_claimant, by=request.user, reason="workbench"
                )
            for index, item in enumerate(new_events):
                try:
                    events.append(
                        services.event_create(
                            title=item["title"].strip(),
                            date=item["date"].strip(),
                            by=request.user,
                            reason="workbench",
                        )
                    )
                except ValidationError as error:
                    detail = "; ".join(
                        f"{key}: {' '.join(value)}" for key, value in error.message_dict.items()
                    )
                    raise ValidationError({"new_events": [f"[{index}] {detail}"]}) from None
            assert claimant is not None  # an actor picked, or the new one made above
            claim = services.claim_create(
                text=text, claimant=claimant, source=source, stated=stated, kind=kind,
                quote=quote, status=status, notes=notes, events=events,
                relations=[
                    {"type": RelationType.REPEATS, "claim": other, "direction": "outgoing"}
                    for other in repeated
                ],
                by=request.user, reason="workbench",
            )  # fmt: skip
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {}
        if not messages:
            messages = {"non_field_errors": error.messages}
        if new_claimant is not None:  # the new actor's own fields, named as the form has them
            messages = {
                ("new_claimant" if key in {"name", "slug", "kind"} else key): value
                for key, value in messages.items()
            }
        return _invalid(messages)
    except IntegrityError:
        return _invalid({"non_field_errors": ["The claim conflicts with another; try again."]})
    source.refresh_from_db(fields=["text"])
    return JsonResponse(
        {"claim": {"id": claim.pk, "slug": claim.slug}, **state(source)}, status=201
    )


def reject(request, source: Source):
    """Hide a suggestion (its exact span) for this source, for every curator."""
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    errors: dict[str, list[str]] = {}
    start, end = _offset(body, "start", errors), _offset(body, "end", errors)
    if start is not None and end is not None and not errors and not start < end <= len(source.text):
        errors["end"] = [f"The passage must lie within the text (0 to {len(source.text)})."]
    if errors:
        return _invalid(errors)
    RejectedSuggestion.objects.get_or_create(
        source=source, start=start, end=end, defaults={"by": request.user}
    )
    return JsonResponse(state(source))


def actors(request, source: Source):
    """Actors whose name, title or an alias contains the term: the claimant autocomplete."""
    term = request.GET.get("q", "").strip()[:100].replace("\x00", "")
    if not term:
        return JsonResponse({"results": []})
    found = Actor.objects.filter(
        Q(name__icontains=term) | Q(title__icontains=term) | Q(aliases__icontains=term)
    ).order_by("name")[:SEARCH_LIMIT]
    return JsonResponse(
        {
            "results": [
                {"id": actor.pk, "name": actor.name, "kind": actor.kind, "title": actor.title,
                 "aliases": actor.aliases}
                for actor in found
            ]
        }
    )  # fmt: skip


def events(request, source: Source):
    """Events whose title or slug contains the term: the events autocomplete."""
    term = request.GET.get("q", "").strip()[:100].replace("\x00", "")
    if not term:
        return JsonResponse({"results": []})
    found = Event.objects.filter(Q(title__icontains=term) | Q(slug__icontains=term)).order_by(
        "date_start", "title"
    )[:SEARCH_LIMIT]
    return JsonResponse(
        {"results": [{"id": e.pk, "title": e.title, "date": e.date} for e in found]}
    )


def repeats(request, source: Source):
    """Claims of other sources whose quote holds the selected words (or is held by them),
    compared folded: the same words reported again."""
    folded = quotes.fold(request.GET.get("quote", "")[:20000].replace("\x00", ""))
    if len(folded) < 12:
        return JsonResponse({"results": []})
    # The longest word narrows the search in the database; folding is compared here.
    words = re.findall(r"\w+", folded)
    if not words:
        return JsonResponse({"results": []})
    word = max(words, key=len)
    candidates = (
        Claim.objects.exclude(source=source)
        .filter(quote__contains=word)
        .select_related("source", "claimant")
        .only("slug", "quote", "source__title", "claimant__name")
        .order_by("pk")[:500]
    )
    results = []
    for claim in candidates:
        other = quotes.fold(claim.quote)
        if len(other) >= 12 and (folded in other or other in folded):
            results.append(
                {"id": claim.pk, "slug": claim.slug, "quote": claim.quote,
                 "source": claim.source.title, "claimant": claim.claimant.name}
            )  # fmt: skip
    return JsonResponse({"results": results[:SEARCH_LIMIT]})


# --- Routing, with the admin's permissions ---------------------------------------------------

WRITES = {"claims": save_claim, "reject": reject}
READS = {"actors": actors, "events": events, "repeats": repeats}


def view(model_admin, action: str | None = None):
    """An admin view for ``action`` (None: the page) of the source in the URL."""

    def handle(request, object_id):
        source = model_admin.get_object(request, object_id)
        if source is None:
            if action is None:
                raise Http404("No such source.")
            return _refused(404, "not_found", "No such source.")
        if not model_admin.has_view_permission(request, source):
            if action is None:
                raise Http404("No such source.")  # the admin's answer to a page one may not see
            return _refused(403, "permission_denied", "You may not see this source.")
        if action is None:
            if request.method != "GET":
                return _refused(405, "method_not_allowed", "Only GET.")
            return page(request, source, admin_site=model_admin.admin_site, model_admin=model_admin)
        if action in WRITES:
            if request.method != "POST":
                return _refused(405, "method_not_allowed", "Only POST.")
            if not request.user.has_perm("tracker.add_claim"):
                return _refused(403, "permission_denied", "Only curators may mark claims.")
            return WRITES[action](request, source)
        if request.method != "GET":
            return _refused(405, "method_not_allowed", "Only GET.")
        return READS[action](request, source)

    return handle


def urls(model_admin) -> list:
    from django.urls import path

    name = "tracker_source_annotate"
    site = model_admin.admin_site
    return [
        path("<int:object_id>/annotate/", site.admin_view(view(model_admin)), name=name),
        *(
            path(
                f"<int:object_id>/annotate/{action}/",
                site.admin_view(view(model_admin, action)),
                name=f"{name}_{action}",
            )
            for action in [*WRITES, *READS]
        ),
    ]
