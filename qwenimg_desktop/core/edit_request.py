"""The edit request: the text-to-image fields plus 1–3 reference images ("image 1/2/3")."""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from qwenimg_desktop.core.errors import BugError
from qwenimg_desktop.core.params import (
    MAX_EDIT_NUM_IMAGES,
    MAX_REFERENCES,
    GenerationRequest,
    ImageSize,
    form,
    size_dimensions,
)

MIN_REFERENCE_SIDE: Final = 384
MAX_REFERENCE_SIDE: Final = 5000
MAX_REFERENCE_BYTES: Final = 10 * 1000 * 1000
"""fal publishes "Max size: 10MB each"; read as decimal megabytes, the stricter reading."""

ReferenceType = Literal["image/jpeg", "image/png", "image/webp"]


class Reference(BaseModel):
    """One reference image, as checked and copied into the history (content-addressed).

    ``url`` is fal's ``file_url`` once uploaded; it is journalled before the submit, so a restart
    reuses it instead of uploading again. ``source_job_id``/``source_index`` name the history
    image it came from (lineage), when it came from one.
    """

    # Validators built on the first reference or edit checked (``defer_build``), not when the
    # window's process imports them: nothing before the window's first paint validates one.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    file_name: str = Field(min_length=1, max_length=200)
    content_type: ReferenceType
    width: int = Field(ge=MIN_REFERENCE_SIDE, le=MAX_REFERENCE_SIDE)
    height: int = Field(ge=MIN_REFERENCE_SIDE, le=MAX_REFERENCE_SIDE)
    size_bytes: int = Field(ge=1, le=MAX_REFERENCE_BYTES)
    url: str | None = Field(default=None, max_length=2000)
    source_job_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    source_index: int | None = Field(default=None, ge=0)


class EditRequest(GenerationRequest):
    """An edit: the prompt refers to the references as "image 1", "image 2", "image 3"."""

    model_config = ConfigDict(defer_build=True)  # as Reference's (the rest from the parent)

    references: tuple[Reference, ...] = Field(
        min_length=1,
        max_length=MAX_REFERENCES,
        title="Reference images",
        description="1–3 images the prompt calls image 1, image 2 and image 3; order matters.",
        json_schema_extra=form("references"),
    )
    image_size: ImageSize | None = Field(  # type: ignore[assignment]  # optional when editing
        default=None,
        title="Image size",
        description="A preset or width × height; empty = the size of the last reference.",
        json_schema_extra=form("size", none_text="same as the last reference"),
    )
    num_images: int = Field(
        default=1,
        ge=1,
        le=MAX_EDIT_NUM_IMAGES,
        title="Number of images",
        description="How many images to generate in one request.",
        json_schema_extra=form("count"),
    )

    def to_api_payload(self) -> dict[str, Any]:
        """The submit body: ``image_urls`` in reference order (all must be uploaded first)."""
        payload = super().to_api_payload()
        urls = [ref.url for ref in self.references]
        if any(url is None for url in urls):
            raise BugError("an edit was about to be submitted before its references were uploaded")
        payload["image_urls"] = urls
        return payload

    @property
    def dimensions(self) -> tuple[int, int]:
        if self.image_size is None:
            last = self.references[-1]
            return last.width, last.height
        return size_dimensions(self.image_size)

    @property
    def uploaded(self) -> bool:
        return all(ref.url is not None for ref in self.references)
