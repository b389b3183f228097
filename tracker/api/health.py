"""``GET /api/health/``: the state of the databases and the cache, for load balancers and people.

``200`` while the primary answers (a replica that is down only makes reads fall back to the
primary: ``"status": "degraded"``), ``503`` when it does not, so a balancer takes the app
server out of rotation. Open to everyone, never throttled nor cached; it reads no record.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from tracker import health
from tracker.api.parameters import KnownParametersMixin


class HealthView(KnownParametersMixin, generics.GenericAPIView[Any]):
    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type[BaseThrottle]] = []
    pagination_class = None

    @extend_schema(
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description="The primary answers (the replica may not)."
            ),
            503: OpenApiResponse(
                OpenApiTypes.OBJECT, description="The primary database does not answer."
            ),
        }
    )
    def get(self, request: Request) -> Response:
        report = health.report()
        up = report["databases"]["default"]["state"] == "up"
        response = Response(
            report, status=status.HTTP_200_OK if up else status.HTTP_503_SERVICE_UNAVAILABLE
        )
        response["Cache-Control"] = "no-store"
        return response
