"""fal-ai/qwen-image-2/pro/edit: the pro tier, editing 1–3 reference images."""

from qwenimg_desktop.core.edit_request import EditRequest
from qwenimg_desktop.core.endpoints.model import Endpoint, EndpointKind, Tier
from qwenimg_desktop.core.params import MAX_REFERENCES

ENDPOINT = Endpoint(
    id="fal-ai/qwen-image-2/pro/edit", title="Pro · Edit",
    kind=EndpointKind.edit, tier=Tier.pro, request_model=EditRequest,
    price_per_image_usd=0.075, max_references=MAX_REFERENCES,
)
