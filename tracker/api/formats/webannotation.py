"""W3C Web Annotations of the quotes: each quoted claim anchored in its source's text.

An annotation's target is the source (its document URL, else its archived copy, else its API
address) with two selectors that locate the quote in the text as captured: a
``TextQuoteSelector`` (``exact`` and up to 32 characters of ``prefix`` and ``suffix``, so a
tool can find it again in another copy of the document) and a ``TextPositionSelector`` (``start``
and ``end``, counted in characters, i.e. Unicode code points, as the model stores them). The
bodies say what the quote claims (``describing``), the claim's status (``assessing``) and its
kind and claimant (``tagging``); a claim without a quote (a paraphrase) has no annotation.

A list is an ``AnnotationCollection`` whose ``first`` page holds every annotation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from django.db.models import QuerySet
from rest_framework.request import Request

from tracker.api.formats import (
    AnnotationsRenderer,
    ListFormat,
    chunks,
    json_array,
    readers,
    serializer_context,
)
from tracker.api.formats.claimreview import reviewer
from tracker.api.serializers import ClaimSerializer, DetailURL
from tracker.models import Source
from tracker.selectors import embeds, querysets

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_LENGTH = 32  # characters of prefix and suffix


def annotation(
    *,
    claim_url: str,
    text: str,
    quote_start: int,
    quote_end: int,
    claim_text: str,
    status: str,
    kind: str,
    claimant: str,
    target: str,
    creator: dict[str, Any],
) -> dict[str, Any]:
    """One quote's annotation; ``text`` is the source's text, ``target`` its address."""
    prefix = text[max(0, quote_start - CONTEXT_LENGTH) : quote_start]
    suffix = text[quote_end : quote_end + CONTEXT_LENGTH]
    return {
        "id": f"{claim_url}#quote",
        "type": "Annotation",
        "motivation": "describing",
        "creator": {"type": "Organization", "name": creator["name"], "homepage": creator["url"]},
        "body": [
            {
                "type": "TextualBody",
                "purpose": "describing",
                "value": claim_text,
                "format": "text/plain",
            },
            {"type": "TextualBody", "purpose": "assessing", "value": status},
            {"type": "TextualBody", "purpose": "tagging", "value": kind},
            {"type": "TextualBody", "purpose": "tagging", "value": claimant},
            {"type": "SpecificResource", "purpose": "identifying", "source": claim_url},
        ],  # fmt: skip
        "target": {
            "source": target,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": text[quote_start:quote_end],
                    "prefix": prefix,
                    "suffix": suffix,
                },
                {"type": "TextPositionSelector", "start": quote_start, "end": quote_end},
            ],
        },
    }


def source_target(*, url: str, archive_url: str, api_url: str) -> str:
    return url or archive_url or api_url


def collection(
    collection_id: str, items: list[dict[str, Any]], total: int | None = None
) -> dict[str, Any]:
    """The collection, its one page holding ``items`` (``total`` of them)."""
    return {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": "Quotes of the claims, anchored in their sources",
        "total": len(items) if total is None else total,
        "first": {
            "id": f"{collection_id}#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }


# --- Claims ---------------------------------------------------------------------------------


def _claim_annotations(claims: QuerySet[Any], request: Request) -> Iterator[dict[str, Any]]:
    creator = reviewer(request)
    serializer = ClaimSerializer(context=serializer_context(request))
    source_url = DetailURL("source-detail", serializer_context(request))
    for chunk in chunks(claims):
        texts = dict(
            Source.objects.filter(pk__in={claim.source_id for claim in chunk}).values_list(
                "pk", "text"
            )
        )
        links = embeds.claim_links((claim.pk for claim in chunk), readers=readers(request))
        for claim, model in zip(serializer.represent(chunk, links), chunk, strict=True):
            yield annotation(
                claim_url=claim["url"],
                text=texts[model.source_id],
                quote_start=claim["quote_start"],
                quote_end=claim["quote_end"],
                claim_text=claim["text"],
                status=claim["status"],
                kind=claim["kind"],
                claimant=claim["claimant"]["name"],
                target=source_target(
                    url=model.source.url,
                    archive_url=model.source.archive_url,
                    api_url=source_url(model.source_id),
                ),
                creator=creator,
            )


def write_claims(claims: QuerySet[Any], request: Request) -> Iterator[str]:
    quoted = claims.exclude(quote="")
    # The collection's JSON around an empty list of items, which is streamed into it.
    head = orjson.dumps(collection(request.build_absolute_uri(), [], quoted.count())).decode()
    opening, closing = head.split('"items":[]')
    yield opening + '"items":['
    yield from json_array(_claim_annotations(quoted, request))
    yield "]" + closing


CLAIMS = ListFormat(
    renderer=AnnotationsRenderer, queryset=querysets.claim_list_queryset, write=write_claims
)


# --- A source -------------------------------------------------------------------------------


def source_annotations(
    source: Source, request: Request, *, api_url: str
) -> Iterable[dict[str, Any]]:
    """The annotations of a source's quoted claims, in text order; reads what
    ``querysets.source_detail_queryset`` prefetched."""
    creator = reviewer(request)
    claim_url = DetailURL("claim-detail", serializer_context(request))
    target = source_target(url=source.url, archive_url=source.archive_url, api_url=api_url)
    return [
        annotation(
            claim_url=claim_url(claim.pk),
            text=source.text,
            quote_start=claim.quote_start,
            quote_end=claim.quote_end,
            claim_text=claim.text,
            status=claim.status,
            kind=claim.kind,
            claimant=claim.claimant.name,
            target=target,
            creator=creator,
        )
        for claim in source.claims.all()
        # A quote has its place in the text (Claim.clean sets both ends with it).
        if claim.quote and claim.quote_start is not None and claim.quote_end is not None
    ]
