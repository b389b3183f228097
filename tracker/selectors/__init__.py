"""Reads, shaped once, one module per concern.

- ``querysets``: each resource's queryset with the joins and prefetches its views need;
- ``embeds``: what a page of events or claims embeds, read for the whole page at once (the fast
  path, its SQL compiled once per worker);
- ``aggregates``: the stats endpoints' counts;
- ``rows``: the CSV exports' plain rows;
- ``version``: the record version that validates lists and stats.
"""
