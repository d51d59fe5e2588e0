"""The endpoints this app knows, by id; requests are built and parsed through here.

Adding an endpoint: write its declaration module (see ``pro_edit.py``) and list it in
``_DECLARED`` below. Nothing else names endpoints one by one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any, Final

from qwenimg_desktop.core.endpoints import edit, pro_edit, pro_text_to_image, text_to_image
from qwenimg_desktop.core.endpoints.model import Endpoint, EndpointKind, Tier
from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.params import DEFAULT_ENDPOINT_ID, GenerationRequest

_DECLARED: Final = (
    pro_text_to_image.ENDPOINT, text_to_image.ENDPOINT, pro_edit.ENDPOINT, edit.ENDPOINT,
)
_BY_ID: dict[str, Endpoint] = {endpoint.id: endpoint for endpoint in _DECLARED}


class UnknownEndpoint(UserError):
    """An endpoint id this version does not know (a newer app's history row, a typo)."""


def all_endpoints() -> tuple[Endpoint, ...]:
    return tuple(_BY_ID.values())


def endpoint_for(endpoint_id: str) -> Endpoint:
    """The declaration of ``endpoint_id``; raises :class:`UnknownEndpoint`."""
    try:
        return _BY_ID[endpoint_id]
    except KeyError:
        known = ", ".join(_BY_ID)
        raise UnknownEndpoint(
            f"unknown endpoint {endpoint_id[:200]!r}", next_step=f"Use one of: {known}."
        ) from None


def default_endpoint() -> Endpoint:
    return _BY_ID[DEFAULT_ENDPOINT_ID]


def choose(kind: EndpointKind, tier: Tier) -> Endpoint:
    """The endpoint of a kind and tier (the window's two choices)."""
    for endpoint in _BY_ID.values():
        if endpoint.kind is kind and endpoint.tier is tier:
            return endpoint
    raise UnknownEndpoint(f"no {tier.value} {kind.value} endpoint is declared")


def endpoint_of(request: GenerationRequest) -> Endpoint:
    return endpoint_for(request.endpoint)


def build_request(endpoint_id: str, data: Mapping[str, Any]) -> GenerationRequest:
    """Validate ``data`` as the input of ``endpoint_id``; raises ``ValidationError``."""
    endpoint = endpoint_for(endpoint_id)
    return endpoint.request_model.model_validate({**data, "endpoint": endpoint.id})


def parse_stored_request(raw_json: str, endpoint_id: str) -> GenerationRequest:
    """A journalled request; rows from before endpoints were stored read as pro text-to-image.

    Raises ``ValidationError`` or :class:`UnknownEndpoint`.
    """
    endpoint = endpoint_for(endpoint_id or DEFAULT_ENDPOINT_ID)
    request = endpoint.request_model.model_validate_json(raw_json)
    if request.endpoint != endpoint.id:
        request = request.model_copy(update={"endpoint": endpoint.id})
    return request


@contextlib.contextmanager
def registered(endpoint: Endpoint) -> Iterator[Endpoint]:
    """Declare ``endpoint`` for the duration of a block (tests of what a new one touches)."""
    _BY_ID[endpoint.id] = endpoint
    try:
        yield endpoint
    finally:
        _BY_ID.pop(endpoint.id, None)
