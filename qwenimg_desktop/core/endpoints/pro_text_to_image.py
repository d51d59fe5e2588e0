"""fal-ai/qwen-image-2/pro/text-to-image: the pro tier, from a prompt."""

from qwenimg_desktop.core.endpoints.model import Endpoint, EndpointKind, Tier
from qwenimg_desktop.core.params import GenerationRequest

ENDPOINT = Endpoint(
    id="fal-ai/qwen-image-2/pro/text-to-image", title="Pro · Generate",
    kind=EndpointKind.generate, tier=Tier.pro, request_model=GenerationRequest,
    price_per_image_usd=0.075,
)
