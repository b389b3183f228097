"""Forwarded headers are believed only from the proxies the operator names (TRUSTED_PROXIES).

Behind a load balancer that terminates TLS, Django learns that a request came over HTTPS from
``X-Forwarded-Proto`` (``SECURE_PROXY_SSL_HEADER``), and the client's address from
``X-Forwarded-For``. Any client that reaches an app server directly could send those headers
too; this middleware drops them from every request whose connection does not come from one of
``settings.TRUSTED_PROXIES`` (addresses or networks, e.g. ``10.0.0.5,10.0.1.0/24``), before
anything reads them.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property

from django.conf import settings

FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST")


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(item, strict=False) for item in settings.TRUSTED_PROXIES]

    def trusted(self, address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def __call__(self, request):
        if not self.trusted(request.META.get("REMOTE_ADDR", "")):
            for name in FORWARDED:
                request.META.pop(name, None)
        return self.get_response(request)
