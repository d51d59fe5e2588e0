"""Generation parameters embedded in image files (PNG iTXt, JPEG/WebP XMP) and read back safely.

Two payloads, written together: an A1111-style ``parameters`` text that other tools show, and
our own ``qwenimg`` JSON (the full GenerationRequest, seed and request id) that restores a job.
Pixels are never re-encoded: chunks and segments are added around the untouched image data.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    model_validator,
)

from qwenimg_desktop.core.endpoints import UnknownEndpoint, build_request, endpoint_for
from qwenimg_desktop.core.endpoints.describe import parameter_texts
from qwenimg_desktop.core.params import (
    DEFAULT_ENDPOINT_ID,
    MAX_SEED,
    GenerationRequest,
)
from qwenimg_desktop.core.store import containers as ct
from qwenimg_desktop.core.store.containers import MetadataError, sniff_format
from qwenimg_desktop.core.store.files import atomic_write_bytes

__all__ = [
    "EmbeddedMeta", "MetadataError", "embed_bytes", "embed_file", "parameters_text",
    "read_metadata",
]

PARAMETERS_KEY: Final = "parameters"
JSON_KEY: Final = "qwenimg"
XMP_NS: Final = "http://ns.qwenimg-desktop.invalid/1.0/"
_NOTE_NS: Final = "http://ns.adobe.com/xmp/note/"
_RDF_NS: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MAX_READ_BYTES: Final = 256 * 1024 * 1024
_XML_INVALID: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STANDARD_XMP_LIMIT: Final = ct.JPEG_SEGMENT_MAX - len(ct.XMP_NAMESPACE_ID)


class EmbeddedMeta(BaseModel):
    """What we embed and read back; read from untrusted files, so every field is validated."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: int = Field(default=1, ge=1)
    request: SerializeAsAny[GenerationRequest]
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    request_id: str | None = Field(default=None, max_length=200)
    job_id: str | None = Field(default=None, max_length=64)
    model: str = Field(default=DEFAULT_ENDPOINT_ID, max_length=200)
    """The endpoint id that made the image (always the request's own endpoint)."""

    @model_validator(mode="before")
    @classmethod
    def _request_through_registry(cls, data: Any) -> Any:
        # The request parses as its endpoint's model (an edit keeps its references), and
        # ``model`` always names that endpoint; an unknown endpoint fails validation.
        if not isinstance(data, dict):
            return data
        request = data.get("request")
        if isinstance(request, GenerationRequest):
            return {**data, "model": request.endpoint}
        if isinstance(request, dict):
            endpoint = str(request.get("endpoint") or data.get("model") or DEFAULT_ENDPOINT_ID)
            try:
                endpoint_for(endpoint)
            except UnknownEndpoint as exc:
                raise ValueError(exc.message) from None
            fields = {k: v for k, v in request.items() if k != "endpoint"}
            return {**data, "request": _strict_request(endpoint, fields), "model": endpoint}
        return data

    def restored_request(self) -> GenerationRequest:
        """The request with the seed the server actually used (for an exact re-run)."""
        if self.seed is None:
            return self.request
        return self.request.model_copy(update={"seed": self.seed})


def _strict_request(endpoint: str, fields: dict[str, Any]) -> GenerationRequest:
    """The request of a file's metadata, validated strictly: ``true`` is not a count and
    ``"yes"`` not a flag, so loose values in a file from elsewhere never reach fal on a re-run.

    Fields that are not plain JSON (a request built in Python) are trusted and validated as is.
    """
    try:
        text = json.dumps({**fields, "endpoint": endpoint})
    except (TypeError, ValueError):
        return build_request(endpoint, fields)
    model = endpoint_for(endpoint).request_model
    return model.model_validate_json(text, strict=True)


def parameters_text(meta: EmbeddedMeta) -> str:
    """A1111-style text: prompt, ``Negative prompt: ...``, then one ``Key: value, ...`` line."""
    req = meta.request
    width, height = req.dimensions
    seed = meta.seed if meta.seed is not None else req.seed
    # Seed and Size first, in the spelling other tools parse; then every other field by title.
    fields = [
        ("Seed", str(seed) if seed is not None else "random"),
        ("Size", f"{width}x{height}"),
        ("Model", meta.model),
    ]
    fields += [(item.title, item.text) for item in parameter_texts(
        req, skip=("prompt", "negative_prompt", "seed"))]
    if meta.request_id:
        fields.append(("Request id", meta.request_id))
    lines = [_xml_safe(req.prompt)]
    if req.negative_prompt:
        lines.append("Negative prompt: " + _xml_safe(req.negative_prompt))
    lines.append(", ".join(f"{k}: {_one_value(v)}" for k, v in fields))
    return "\n".join(lines)


def _one_value(text: str) -> str:
    # A value must not end the ``Key: value, ...`` line or start another pair.
    return _xml_safe(text).replace(",", " ").replace("\n", " ")


def _xml_safe(text: str) -> str:
    return _XML_INVALID.sub(" ", text)


def _json_text(meta: EmbeddedMeta) -> str:
    # json.dumps escapes every control character, so the text is also valid XML content.
    return json.dumps(meta.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def _xmp_packet(fields: dict[str, str], extended_guid: str | None = None) -> bytes:
    note = f' xmlns:xmpNote="{_NOTE_NS}" xmpNote:HasExtendedXMP="{extended_guid}"' \
        if extended_guid else ""
    body = "".join(f"<qwenimg:{k}>{escape(v)}</qwenimg:{k}>" for k, v in fields.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="{_RDF_NS}">'
        f'<rdf:Description rdf:about="" xmlns:qwenimg="{XMP_NS}"{note}>{body}</rdf:Description>'
        "</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def embed_bytes(data: bytes, fmt: str, meta: EmbeddedMeta) -> bytes:
    """``data`` with ``meta`` embedded; earlier embeddings of ours are replaced.

    Args:
        data: a complete PNG, JPEG or WebP file.
        fmt: the expected format (``png``, ``jpeg``/``jpg`` or ``webp``); must match the bytes.
        meta: what to embed.

    Raises:
        MetadataError: the bytes are not the expected format or the container is malformed.
    """
    actual = sniff_format(data)
    expected = "jpeg" if fmt.lower() in ("jpg", "jpeg") else fmt.lower()
    if actual != expected:
        raise MetadataError(f"expected a {expected} file but the data is {actual or 'unknown'}")
    fields = {PARAMETERS_KEY: parameters_text(meta), JSON_KEY: _json_text(meta)}
    if actual == "png":
        return ct.png_embed(data, fields)
    packet = _xmp_packet(fields)
    if actual == "webp":
        return ct.webp_embed(data, packet)
    if len(packet) <= _STANDARD_XMP_LIMIT:
        return ct.jpeg_embed(data, packet, None, "")
    guid = hashlib.md5(packet, usedforsecurity=False).hexdigest().upper()
    return ct.jpeg_embed(data, _xmp_packet({}, guid), packet, guid)


def embed_file(path: Path, fmt: str, meta: EmbeddedMeta) -> tuple[int, str]:
    """Embed ``meta`` into the file at ``path`` and replace it atomically.

    Returns:
        The new size in bytes and the SHA-256 hex digest of the new file.

    Raises:
        MetadataError: the file is not a well-formed ``fmt`` image.
        DiskFull / OSError: the rewrite failed; the original file is untouched.
    """
    new = embed_bytes(Path(path).read_bytes(), fmt, meta)
    atomic_write_bytes(Path(path), new)
    return len(new), hashlib.sha256(new).hexdigest()


def read_metadata(source: Path | bytes) -> EmbeddedMeta | None:
    """The embedded generation metadata of an image file or its bytes; None when absent or invalid.

    The input is untrusted: sizes are capped, XML with DTDs is refused, and the JSON is validated
    by pydantic. Without our JSON, an A1111 ``parameters`` text is parsed as a fallback.
    """
    data = source if isinstance(source, bytes) else _read_capped(Path(source))
    if data is None:
        return None
    fields = _extract_fields(data)
    raw_json = fields.get(JSON_KEY)
    if raw_json is not None:
        try:
            return EmbeddedMeta.model_validate_json(raw_json)
        except ValidationError:
            pass
    text = fields.get(PARAMETERS_KEY)
    return parse_parameters_text(text) if text else None


def _read_capped(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_READ_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_READ_BYTES else None


def _extract_fields(data: bytes) -> dict[str, str]:
    kind = sniff_format(data)
    if kind == "png":
        return ct.png_texts(data)
    if kind == "webp":
        packet = ct.webp_xmp(data)
        return _xmp_fields(packet) if packet else {}
    if kind == "jpeg":
        standard, extended = ct.jpeg_xmp(data)
        fields = _xmp_fields(standard) if standard else {}
        guid = fields.pop("_extended", None)
        if guid and guid in extended:
            fields.update(_xmp_fields(extended[guid]))
        return fields
    return {}


def _xmp_fields(packet: bytes) -> dict[str, str]:
    if len(packet) > ct.MAX_TEXT_BYTES or b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        return {}
    try:
        root = ET.fromstring(packet.decode("utf-8"))
    except (ET.ParseError, UnicodeDecodeError):
        return {}
    result: dict[str, str] = {}
    for element in root.iter():
        if element.tag.startswith("{" + XMP_NS + "}"):
            result[element.tag.split("}", 1)[1]] = element.text or ""
        guid = element.get(f"{{{_NOTE_NS}}}HasExtendedXMP")
        if guid:
            result["_extended"] = guid
    return result


_PARAM_LINE: Final = re.compile(r"^(?:[A-Za-z][\w ]*: [^,]*)(?:, [A-Za-z][\w ]*: [^,]*)*$")


def parse_parameters_text(text: str) -> EmbeddedMeta | None:
    """Best effort over an A1111-style text: prompt, negative prompt, seed and size."""
    lines = text.strip().split("\n")
    params: dict[str, str] = {}
    if lines and _PARAM_LINE.match(lines[-1]):
        params = dict(part.split(": ", 1) for part in lines.pop().split(", "))
    negative = ""
    for i, line in enumerate(lines):
        if line.startswith("Negative prompt: "):
            negative = "\n".join([line.removeprefix("Negative prompt: "), *lines[i + 1:]])
            lines = lines[:i]
            break
    data: dict[str, object] = {"prompt": "\n".join(lines), "negative_prompt": negative}
    size = re.fullmatch(r"(\d{2,5})x(\d{2,5})", params.get("Size", ""))
    if size:
        data["image_size"] = {"width": int(size.group(1)), "height": int(size.group(2))}
    seed_text = params.get("Seed", "")
    seed = int(seed_text) if seed_text.isdigit() else None
    try:
        request = GenerationRequest.model_validate({**data, "seed": seed})
        return EmbeddedMeta(request=request, seed=seed)
    except ValidationError:
        return None
