"""What an endpoint is: one small declaration the rest of the app reads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qwenimg_desktop.core.params import GenerationRequest


class EndpointKind(StrEnum):
    """What the endpoint does with its input."""

    generate = "generate"
    edit = "edit"


class Tier(StrEnum):
    """fal's two quality tiers of the family."""

    pro = "pro"
    standard = "standard"


@dataclass(frozen=True)
class Endpoint:
    """One fal endpoint: its id, models, list price and what the form needs to know.

    Attributes:
        id: the full endpoint id; submits go to ``{queue}/{id}``.
        title: a short name for people ("Pro · Edit").
        kind, tier: the two choices the window offers.
        request_model: the pydantic model of its input; its fields drive every form and text.
        price_per_image_usd: fal's list price (the cost estimate multiplies it by ``num_images``).
        max_references: how many input images it takes (0 for text-to-image).
    """

    id: str
    title: str
    kind: EndpointKind
    tier: Tier
    request_model: type[GenerationRequest]
    price_per_image_usd: float
    max_references: int = 0

    @property
    def owner_alias(self) -> str:
        """``owner/alias``: what status, result and cancel URLs use (the path is dropped)."""
        return "/".join(self.id.split("/")[:2])

    @property
    def takes_images(self) -> bool:
        return self.max_references > 0

    def __repr__(self) -> str:
        return f"<Endpoint {self.id}>"
