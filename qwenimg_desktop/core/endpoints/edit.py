"""fal-ai/qwen-image-2/edit: the standard tier, editing 1–3 reference images.

Its limits are not published separately; the pro edit's are assumed.
"""

from qwenimg_desktop.core.edit_request import EditRequest
from qwenimg_desktop.core.endpoints.model import Endpoint, EndpointKind, Tier
from qwenimg_desktop.core.params import MAX_REFERENCES

ENDPOINT = Endpoint(
    id="fal-ai/qwen-image-2/edit", title="Standard · Edit",
    kind=EndpointKind.edit, tier=Tier.standard, request_model=EditRequest,
    price_per_image_usd=0.035, max_references=MAX_REFERENCES,
)
