"""Byte-level surgery on PNG, JPEG and WebP containers: add or read text/XMP, never re-encode."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator, Mapping
from typing import Final

from qwenimg_desktop.core.errors import UserError

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
XMP_NAMESPACE_ID: Final = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_ID: Final = b"http://ns.adobe.com/xmp/extension/\x00"
MAX_TEXT_BYTES: Final = 4 * 1024 * 1024
"""Largest text or XMP payload we read from an untrusted file."""
JPEG_SEGMENT_MAX: Final = 65533  # payload bytes after the two length bytes
_EXT_CHUNK: Final = 65000
_TEXT_TYPES: Final = frozenset({b"tEXt", b"iTXt", b"zTXt"})
_VP8X_XMP: Final = 0x04
_VP8X_ALPHA: Final = 0x10


class MetadataError(UserError):
    """An image container is malformed, so generation metadata cannot be added to it."""


def sniff_format(data: bytes) -> str | None:
    """``png``, ``jpeg`` or ``webp`` from the magic bytes; None for anything else."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


# ---- PNG ---------------------------------------------------------------------------------------


def _png_chunks(data: bytes, *, strict: bool) -> Iterator[tuple[bytes, bytes, bytes]]:
    """(type, payload, raw chunk bytes) for each chunk; stops after IEND."""
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            if strict:
                raise MetadataError(f"PNG chunk {kind!r} runs past the end of the file")
            return
        payload = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4:end])
        if zlib.crc32(kind + payload) != crc and strict:
            raise MetadataError(f"PNG chunk {kind!r} has a bad checksum")
        yield kind, payload, data[pos:end]
        if kind == b"IEND":
            return
        pos = end
    if strict:
        raise MetadataError("PNG file has no IEND chunk (truncated?)")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(
        ">I", zlib.crc32(kind + payload)
    )


def itxt_chunk(keyword: str, text: str) -> bytes:
    """An uncompressed iTXt chunk (UTF-8 text, so any language survives)."""
    payload = keyword.encode("latin-1") + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode()
    return _png_chunk(b"iTXt", payload)


def _text_keyword(kind: bytes, payload: bytes) -> str:
    return payload.split(b"\x00", 1)[0].decode("latin-1") if kind in _TEXT_TYPES else ""


def png_embed(data: bytes, texts: Mapping[str, str]) -> bytes:
    """Replace the ``texts`` keywords' text chunks; new iTXt chunks go before the first IDAT."""
    chunks = list(_png_chunks(data, strict=True))
    if not chunks or chunks[0][0] != b"IHDR":
        raise MetadataError("PNG file does not start with an IHDR chunk")
    new = b"".join(itxt_chunk(k, v) for k, v in texts.items())
    out = [PNG_SIGNATURE]
    placed = False
    for kind, payload, raw in chunks:
        if kind in _TEXT_TYPES and _text_keyword(kind, payload) in texts:
            continue
        if kind in (b"IDAT", b"IEND") and not placed:
            out.append(new)
            placed = True
        out.append(raw)
    return b"".join(out)


def png_texts(data: bytes) -> dict[str, str]:
    """Every tEXt / iTXt / zTXt text by keyword (bad chunks are skipped, sizes capped)."""
    result: dict[str, str] = {}
    for kind, payload, _ in _png_chunks(data, strict=False):
        if kind in _TEXT_TYPES and len(payload) <= MAX_TEXT_BYTES:
            decoded = _decode_text_chunk(kind, payload)
            if decoded is not None:
                result.setdefault(decoded[0], decoded[1])
    return result


def _decode_text_chunk(kind: bytes, payload: bytes) -> tuple[str, str] | None:
    keyword, sep, rest = payload.partition(b"\x00")
    if not sep:
        return None
    try:
        if kind == b"tEXt":
            return keyword.decode("latin-1"), rest.decode("latin-1")
        if kind == b"zTXt":
            return keyword.decode("latin-1"), _inflate(rest[1:]).decode("latin-1")
        if len(rest) < 2:
            return None
        compressed = rest[0] == 1
        _lang, _, rest = rest[2:].partition(b"\x00")
        _translated, _, text = rest.partition(b"\x00")
        raw = _inflate(text) if compressed else text
        return keyword.decode("latin-1"), raw.decode("utf-8")
    except (UnicodeDecodeError, zlib.error, ValueError):
        return None


def _inflate(data: bytes) -> bytes:
    """zlib inflate with an output cap (a small chunk must not expand into gigabytes)."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_TEXT_BYTES + 1)
    if len(out) > MAX_TEXT_BYTES or inflater.unconsumed_tail:
        raise ValueError("compressed text is too large")
    return out


# ---- JPEG --------------------------------------------------------------------------------------


def _jpeg_segments(data: bytes) -> tuple[list[tuple[int, bytes]], int]:
    """Header segments as (marker, payload) up to SOS, and the offset where SOS starts."""
    if not data.startswith(b"\xff\xd8"):
        raise MetadataError("JPEG file does not start with SOI")
    segments: list[tuple[int, bytes]] = []
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise MetadataError(f"JPEG marker expected at byte {pos}")
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1  # fill bytes
        if pos >= len(data):
            break
        marker = data[pos]
        start = pos - 1
        pos += 1
        if marker in (0xDA, 0xD9):  # SOS or EOI
            return segments, start
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            segments.append((marker, b""))
            continue
        if pos + 2 > len(data):
            break
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        if length < 2 or pos + length > len(data):
            raise MetadataError("JPEG segment length runs past the end of the file")
        segments.append((marker, data[pos + 2:pos + length]))
        pos += length
    raise MetadataError("JPEG file has no image data (SOS marker missing)")


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    if 0xD0 <= marker <= 0xD7 or marker == 0x01:
        return bytes((0xFF, marker))
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _is_xmp(marker: int, payload: bytes) -> bool:
    return marker == 0xE1 and (payload.startswith(XMP_NAMESPACE_ID)
                               or payload.startswith(XMP_EXTENSION_ID))


def jpeg_embed(data: bytes, standard_xmp: bytes, extended: bytes | None, guid: str) -> bytes:
    """Replace any XMP with ``standard_xmp`` (plus Extended XMP segments when given).

    The new APP1 goes after the leading JFIF/Exif segments; everything from SOS on is copied.
    """
    segments, sos = _jpeg_segments(data)
    kept = [(m, p) for m, p in segments if not _is_xmp(m, p)]
    new = [(0xE1, XMP_NAMESPACE_ID + standard_xmp)]
    if len(new[0][1]) > JPEG_SEGMENT_MAX:
        raise MetadataError("the standard XMP packet does not fit one JPEG segment")
    if extended is not None:
        total = len(extended)
        for offset in range(0, total, _EXT_CHUNK):
            part = extended[offset:offset + _EXT_CHUNK]
            header = XMP_EXTENSION_ID + guid.encode("ascii") + struct.pack(">II", total, offset)
            new.append((0xE1, header + part))
    insert_at = 0
    while insert_at < len(kept) and kept[insert_at][0] in (0xE0, 0xE1):
        insert_at += 1
    ordered = kept[:insert_at] + new + kept[insert_at:]
    return b"\xff\xd8" + b"".join(_jpeg_segment(m, p) for m, p in ordered) + data[sos:]


def jpeg_xmp(data: bytes) -> tuple[bytes | None, dict[str, bytes]]:
    """The standard XMP packet and the reassembled Extended XMP packets (by GUID)."""
    try:
        segments, _ = _jpeg_segments(data)
    except MetadataError:
        return None, {}
    standard: bytes | None = None
    parts: dict[str, dict[int, bytes]] = {}
    totals: dict[str, int] = {}
    for marker, payload in segments:
        if marker != 0xE1:
            continue
        if payload.startswith(XMP_NAMESPACE_ID) and standard is None:
            standard = payload[len(XMP_NAMESPACE_ID):]
        elif payload.startswith(XMP_EXTENSION_ID):
            body = payload[len(XMP_EXTENSION_ID):]
            if len(body) < 40:
                continue
            guid = body[:32].decode("ascii", "replace")
            total, offset = struct.unpack(">II", body[32:40])
            if total > MAX_TEXT_BYTES:
                continue
            totals[guid] = total
            parts.setdefault(guid, {})[offset] = body[40:]
    extended: dict[str, bytes] = {}
    for guid, pieces in parts.items():
        joined = b"".join(pieces[o] for o in sorted(pieces))
        if len(joined) == totals[guid]:
            extended[guid] = joined
    return standard, extended


# ---- WebP --------------------------------------------------------------------------------------


def _webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if sniff_format(data) != "webp":
        raise MetadataError("not a RIFF/WEBP file")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = min(len(data), 8 + riff_size)
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    while pos + 8 <= end:
        kind = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        if pos + 8 + size > end:
            raise MetadataError(f"WebP chunk {kind!r} runs past the end of the file")
        chunks.append((kind, data[pos + 8:pos + 8 + size]))
        pos += 8 + size + (size & 1)
    if not chunks:
        raise MetadataError("WebP file has no chunks")
    return chunks


def _vp8x_for(kind: bytes, payload: bytes) -> bytes:
    """A VP8X header describing a simple-format (VP8 / VP8L) image, with the XMP flag set."""
    if kind == b"VP8L":
        if len(payload) < 5 or payload[0] != 0x2F:
            raise MetadataError("VP8L chunk has no valid header")
        bits = int.from_bytes(payload[1:5], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        flags = _VP8X_XMP | (_VP8X_ALPHA if (bits >> 28) & 1 else 0)
    elif kind == b"VP8 ":
        if len(payload) < 10 or payload[3:6] != b"\x9d\x01\x2a":
            raise MetadataError("VP8 chunk has no valid key frame header")
        width = int.from_bytes(payload[6:8], "little") & 0x3FFF
        height = int.from_bytes(payload[8:10], "little") & 0x3FFF
        flags = _VP8X_XMP
    else:
        raise MetadataError(f"unexpected first WebP chunk {kind!r}")
    return bytes((flags, 0, 0, 0)) + (width - 1).to_bytes(3, "little") + (
        height - 1).to_bytes(3, "little")


def webp_embed(data: bytes, xmp: bytes) -> bytes:
    """Add (or replace) the ``XMP `` chunk, converting a simple file to the VP8X format."""
    chunks = [(k, p) for k, p in _webp_chunks(data) if k != b"XMP "]
    first_kind, first = chunks[0]
    if first_kind == b"VP8X":
        if len(first) < 10:
            raise MetadataError("VP8X chunk is too short")
        chunks[0] = (b"VP8X", bytes((first[0] | _VP8X_XMP,)) + first[1:])
    else:
        chunks.insert(0, (b"VP8X", _vp8x_for(first_kind, first)))
    chunks.append((b"XMP ", xmp))
    body = b"".join(
        k + struct.pack("<I", len(p)) + p + (b"\x00" if len(p) & 1 else b"") for k, p in chunks
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def webp_xmp(data: bytes) -> bytes | None:
    try:
        chunks = _webp_chunks(data)
    except MetadataError:
        return None
    for kind, payload in chunks:
        if kind == b"XMP " and len(payload) <= MAX_TEXT_BYTES:
            return bytes(payload)
    return None
