"""The change feed as Atom, ``/feeds/changes.atom`` (Django's syndication framework), for people
who follow the record in a feed reader: the newest changes first, each linking the record's API
address, as the signed-in user (or, anonymous, any reader) may see them.

Like the API's reads it carries an ETag (from the record version and who may see what) and
answers a matching ``If-None-Match`` with a 304 after one query; anonymous answers may be kept
by shared caches, a signed-in user's only by their own.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed

from tracker.api.caching import not_modified
from tracker.api.record_cache import visibility
from tracker.models import Change
from tracker.selectors import changes, version


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Timeline & claims tracker: changes"
    subtitle = (
        "Every record created, updated, moved to another review state or deleted, newest first."
    )

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        state = version.record_version()  # before the data, as every read (caching.py)
        # Who may see what is part of the tag: a curator's and a reader's copies differ.
        key = "\n".join(
            [str(state.number), str(state.changed), request.get_full_path(), visibility(request)]
        )
        etag = 'W/"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
        if not_modified(request, etag, None, None):
            response: HttpResponse = HttpResponseNotModified()
        else:
            response = super().__call__(request, *args, **kwargs)
        response["ETag"] = etag
        scope = "private" if request.user.is_authenticated else "public"
        response["Cache-Control"] = (
            f"{scope}, max-age={settings.API_CACHE_MAX_AGE}, must-revalidate"
        )
        patch_vary_headers(response, ["Cookie"])
        return response

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpRequest:
        return request  # the items depend on who asks

    def link(self) -> str:
        return reverse("changes")

    def items(self, request: HttpRequest) -> list[Change]:
        shown = changes.newest_changes(user=request.user, limit=settings.CHANGES_FEED_ENTRIES)
        for item in shown:
            # An entry's id must be an absolute IRI; only the request knows the site's address.
            item.atom_id = request.build_absolute_uri(f"{reverse('changes')}#change-{item.id}")  # type: ignore[attr-defined]
        return shown

    def item_title(self, item: Change) -> str:
        return f"{item.kind} {item.slug} {item.type}"

    def item_description(self, item: Change) -> str:
        states = f"state {item.state_before or 'none'} → {item.state or 'none'}"
        return f"The {item.kind} {item.slug}, version {item.version}: {item.type} ({states})."

    def item_link(self, item: Change) -> str:
        return reverse(f"{item.kind}-detail", args=[item.record_id])

    def item_guid(self, item: Change) -> str:
        return str(item.atom_id)  # type: ignore[attr-defined]

    item_guid_is_permalink = False

    def item_pubdate(self, item: Change) -> Any:
        return item.time

    def item_updateddate(self, item: Change) -> Any:
        return item.time

    def item_categories(self, item: Change) -> list[str]:
        return [item.kind, item.type]
