"""Content negotiation: DRF's, with ``?format=`` answered as the rest of the API's parameters.

DRF answers a ``?format=`` that no renderer of the view has with a 404, as if the resource were
missing, and before it looks at the method: ``TRACE /api/v1/events/?format=csv`` was a 404,
not a 405. Here an unknown format is a 400 naming the parameter, and a request whose method the
view does not take is negotiated without the override, so it reaches its 405. A format suffix
(``/events/1.xml``) stays a 404: that address names nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404
from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from tracker.api.formats import FormatRenderer


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        view = (request.parser_context or {}).get("view")
        if view is not None and str(request.method).upper() not in view.allowed_methods:
            return renderers[0], renderers[0].media_type
        try:
            selected: tuple[BaseRenderer, str] = super().select_renderer(
                request, renderers, format_suffix
            )
            return selected
        except NotAcceptable:
            chosen = self._by_format_without_parameters(request, renderers)
            if chosen is None:
                raise
            return chosen, chosen.media_type
        except Http404:
            if format_suffix:  # /events/1.xml: an address that names nothing stays a 404
                raise
            name = self.settings.URL_FORMAT_OVERRIDE
            given = request.query_params.get(name)
            formats = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise ValidationError(
                {
                    name: [
                        f"'{str(given)[:40]}' is not a format of this resource: use one of "
                        f"{formats}."
                    ]
                }
            ) from None

    def _by_format_without_parameters(
        self, request: Request, renderers: list[BaseRenderer]
    ) -> BaseRenderer | None:
        """A format of ``tracker.api.formats`` asked for by name (``?format=timelinejs``) is
        answered whatever the Accept header says: TimelineJS fetches its data with ``Accept:
        application/json``, and the annotations' media type carries a ``profile`` that DRF would
        require the Accept header to repeat. The name is the client's explicit choice."""
        name = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        named = [renderer for renderer in renderers if name and renderer.format == name]
        if len(named) == 1 and isinstance(named[0], FormatRenderer):
            return named[0]
        return None
