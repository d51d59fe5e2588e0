"""The Qwen Image 2 endpoints as values: one declaration per endpoint, and the registry."""

from qwenimg_desktop.core.endpoints.model import Endpoint, EndpointKind, Tier
from qwenimg_desktop.core.endpoints.registry import (
    UnknownEndpoint,
    all_endpoints,
    build_request,
    choose,
    default_endpoint,
    endpoint_for,
    endpoint_of,
    parse_stored_request,
    registered,
)

__all__ = [
    "Endpoint", "EndpointKind", "Tier", "UnknownEndpoint", "all_endpoints", "build_request",
    "choose", "default_endpoint", "endpoint_for", "endpoint_of", "parse_stored_request",
    "registered",
]
