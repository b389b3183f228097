"""Which place an event's free-text ``location`` names: the rule the loader and curators share.

A location is written most specific first (``Mansudae Assembly Hall, Pyongyang, North Korea``):
its comma-separated parts are tried in that order against the places' names (case and spacing
aside), and the first part that names a place wins. So the hall, which has no place of its own,
is put in Pyongyang, and ``Seoul, South Korea`` in Seoul rather than in the country.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.models import Place


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def place_for_location(location: str, places: Iterable[Place]) -> Place | None:
    """The place the location names (its most specific part that is a place's name), or None."""
    by_name: dict[str, Place] = {}
    for place in places:
        by_name.setdefault(_folded(place.name), place)
    for part in location.split(","):
        named = by_name.get(_folded(part))
        if named is not None:
            return named
    return None
