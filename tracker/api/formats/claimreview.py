"""schema.org JSON-LD for claims: a ``Claim`` each, and a ``ClaimReview`` of every claim the
curators have judged (status other than ``unverified``).

The ClaimReview has what Google's fact-check markup requires (``claimReviewed``, ``reviewRating``
with ``alternateName``, ``url``, ``author`` an Organization with a ``name``) and what it
recommends (``datePublished``, ``itemReviewed`` a Claim with ``author``, ``datePublished`` and
``appearance``). The reviewing organisation comes from the settings ``CLAIMREVIEW_AUTHOR_NAME``
and ``CLAIMREVIEW_AUTHOR_URL`` (this site's root when unset). Dates are ISO 8601 at their EDTF
precision (``2022-07``); a span (``2017-10/2017-12``) has no single ISO date and is left out.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.request import Request

from tracker import dates
from tracker.api.formats import (
    JSONLDRenderer,
    ListFormat,
    chunks,
    json_array,
    readers,
    serializer_context,
)
from tracker.api.serializers import ClaimSerializer, DetailURL
from tracker.models import Claim, ClaimStatus
from tracker.selectors import embeds, querysets

CONTEXT = "https://schema.org"
# The verdicts as a rating: 1 (refuted) to 3 (corroborated); alternateName says it in words.
RATINGS = {ClaimStatus.REFUTED: 1, ClaimStatus.DISPUTED: 2, ClaimStatus.CORROBORATED: 3}


def wikidata_url(wikidata: str) -> str:
    return f"https://www.wikidata.org/wiki/{wikidata}"


def reviewer(request: Request) -> dict[str, Any]:
    """The organisation that reviews the claims: this site's, from the settings."""
    url = settings.CLAIMREVIEW_AUTHOR_URL or request.build_absolute_uri("/")
    return {"@type": "Organization", "name": settings.CLAIMREVIEW_AUTHOR_NAME, "url": url}


def _date(
    start: datetime.date | str | None, end: datetime.date | str, precision: str
) -> dict[str, Any]:
    iso = dates.iso_reduced(start, end, precision) if start else None
    return {"datePublished": iso} if iso else {}


def claim_node(claim: dict[str, Any], model: Claim, source_url: DetailURL) -> dict[str, Any]:
    """A claim's JSON (``ClaimSerializer``) as a schema.org Claim; ``model`` is the claim read
    with its claimant and source (for what the JSON does not carry: archive, Wikidata);
    ``source_url(pk)`` a source's API address, where the document has no address of its own."""
    claimant, source = claim["claimant"], claim["source"]
    author: dict[str, Any] = {
        "@type": "Person" if claimant["kind"] == "person" else "Organization",
        "name": claimant["name"],
    }
    if model.claimant.wikidata:
        author["sameAs"] = wikidata_url(model.claimant.wikidata)
    source_model = model.source
    appearance: dict[str, Any] = {
        "@type": "CreativeWork",
        "url": source["url"] or source_model.archive_url or source_url(source["id"]),
        "name": source["title"],
        **_date(source_model.published_start, source_model.published_end,
                source_model.published_precision),
    }  # fmt: skip
    if source["publisher"]:
        appearance["publisher"] = {"@type": "Organization", "name": source["publisher"]}
    if source_model.archive_url:
        appearance["archivedAt"] = source_model.archive_url
    node: dict[str, Any] = {
        "@type": "Claim",
        "@id": claim["url"],
        "url": claim["url"],
        "name": claim["text"],
        "author": author,
        **_date(claim["stated_start"], claim["stated_end"], claim["stated_precision"]),
        "appearance": appearance,
    }
    if claim["quote"]:
        node["text"] = claim["quote"]
    return node


def claim_review(
    claim: dict[str, Any], model: Claim, organisation: dict[str, Any], source_url: DetailURL
) -> dict[str, Any]:
    """A judged claim's ClaimReview, with the Claim it reviews."""
    status = claim["status"]
    rating: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": status,
        "ratingValue": RATINGS[status],
        "bestRating": 3,
        "worstRating": 1,
    }
    if claim["notes"]:
        rating["ratingExplanation"] = claim["notes"]
    return {
        "@type": "ClaimReview",
        "@id": f"{claim['url']}#review",
        "url": claim["url"],
        "claimReviewed": claim["text"],
        "datePublished": model.updated.date().isoformat(),
        "author": organisation,
        "reviewRating": rating,
        "itemReviewed": claim_node(claim, model, source_url),
    }


def nodes(claims: QuerySet[Claim], request: Request) -> Iterator[dict[str, Any]]:
    organisation = reviewer(request)
    context = serializer_context(request)
    serializer = ClaimSerializer(context=context)
    source_url = DetailURL("source-detail", context)
    for chunk in chunks(claims):
        links = embeds.claim_links((claim.pk for claim in chunk), readers=readers(request))
        for claim, model in zip(serializer.represent(chunk, links), chunk, strict=True):
            if claim["status"] == ClaimStatus.UNVERIFIED:
                yield claim_node(claim, model, source_url)
            else:
                yield claim_review(claim, model, organisation, source_url)


def write(claims: QuerySet[Claim], request: Request) -> Iterator[str]:
    yield f'{{"@context":"{CONTEXT}","@graph":['
    yield from json_array(nodes(claims, request))
    yield "]}"


CLAIMS = ListFormat(
    renderer=JSONLDRenderer,
    queryset=querysets.claim_list_queryset,  # claimant and source, without the source's text
    write=write,
)
