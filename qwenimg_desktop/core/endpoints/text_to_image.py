"""fal-ai/qwen-image-2/text-to-image: the standard tier, from a prompt (the pro schema)."""

from qwenimg_desktop.core.endpoints.model import Endpoint, EndpointKind, Tier
from qwenimg_desktop.core.params import GenerationRequest

ENDPOINT = Endpoint(
    id="fal-ai/qwen-image-2/text-to-image", title="Standard · Generate",
    kind=EndpointKind.generate, tier=Tier.standard, request_model=GenerationRequest,
    price_per_image_usd=0.035,
)
