"""Duplicate images: identical files (same SHA-256) and near-duplicates (64-bit dHash).

The dHash of an image is computed from its thumbnail (a 9×8 greyscale reduction compared
left to right), stored per image, and backfilled for older images by :func:`scan`. Near
duplicates are pairs within :data:`NEAR_DISTANCE` differing bits; candidates are found by
splitting each hash into four 16-bit bands (two hashes 3 bits apart share one band exactly),
so a scan of 100,000 hashes takes well under a second. Run it off the GUI thread.

Pillow loads with the first hash, not with the module: the History tab's browser imports this
module (its duplicate scan), and its thumbnails decode with Qt (see ``store.thumbnails``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.thumbnails import make_thumbnail

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger("qwenimg.store.duplicates")

NEAR_DISTANCE: Final = 3
"""Differing bits (of 64) up to which two images count as near-duplicates."""
HASH_BATCH: Final = 500

ImageKey = tuple[str, int]
"""(job id, image index)."""


def dhash(image: Image.Image) -> int:
    """The 64-bit difference hash: bit set where a pixel is brighter than its right neighbour."""
    from PIL import Image  # noqa: PLC0415 - see the module's docstring

    small = image.convert("L").resize((9, 8), Image.Resampling.BILINEAR)
    pixels = small.tobytes()  # one byte per pixel, row by row
    value = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            value = (value << 1) | (1 if left > right else 0)
    return value


def dhash_file(path: Path) -> int | None:
    """The dHash of an image file; None when it cannot be read as an image."""
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 - see the module's docstring

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.draft("L", (64, 64))
                return dhash(image)
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None


class _Groups:
    """Union-find over item positions."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[root_b] = root_a


def thumbnail_with_hash(source: Path, dest: Path) -> int | None:
    """Make ``source``'s thumbnail at ``dest`` and return the thumbnail's dHash (None if the
    fresh thumbnail cannot be read back); raises as :func:`make_thumbnail` does."""
    make_thumbnail(source, dest)
    return dhash_file(dest)


def _band_buckets(values: list[int], shift: int) -> Iterable[list[int]]:
    """Positions sharing the 16-bit band at ``shift``, for bands held by two or more."""
    buckets: dict[int, list[int]] = {}
    for i, value in enumerate(values):
        band = (value >> shift) & 0xFFFF
        found = buckets.get(band)
        if found is None:
            buckets[band] = [i]
        else:
            found.append(i)
    return (members for members in buckets.values() if len(members) > 1)


def near_groups(hashes: Iterable[tuple[ImageKey, int]], max_distance: int = NEAR_DISTANCE,
                ) -> list[list[ImageKey]]:
    """Groups (connected by pairs within ``max_distance`` bits) of at least two images.

    Images with the very same hash are grouped too (an identical picture re-encoded).
    """
    if max_distance > NEAR_DISTANCE:
        raise ValueError(f"max_distance is at most {NEAR_DISTANCE}")
    pairs = list(hashes)
    values = [value for _, value in pairs]
    groups = _Groups(len(values))
    for shift in (0, 16, 32, 48):  # one band at a time keeps one small dict alive
        for members in _band_buckets(values, shift):
            for a_pos, a in enumerate(members):
                value = values[a]
                for b in members[a_pos + 1:]:
                    if (value ^ values[b]).bit_count() <= max_distance:
                        groups.join(a, b)
    found: dict[int, list[ImageKey]] = {}
    for i, (key, _) in enumerate(pairs):
        found.setdefault(groups.find(i), []).append(key)
    return [g for g in found.values() if len(g) > 1]


@dataclass(frozen=True)
class DuplicateReport:
    """Identical groups (same SHA-256) and near-duplicate groups, each of (job id, index)."""

    identical: tuple[tuple[ImageKey, ...], ...]
    near: tuple[tuple[ImageKey, ...], ...]
    hashed: int
    """Images whose missing dHash this scan computed."""

    @property
    def groups(self) -> list[tuple[str, tuple[ImageKey, ...]]]:
        return [("identical", g) for g in self.identical] + [("near", g) for g in self.near]


def backfill_hashes(store: HistoryStore, *, cancelled: Callable[[], bool] = lambda: False,
                    ) -> int:
    """Compute the dHash of every image that has none yet (from its thumbnail when it has one).

    Unreadable files are skipped. Returns how many hashes were stored.
    """
    if store.all_images_hashed():
        return 0
    done = 0
    failed: set[ImageKey] = set()
    while not cancelled():
        todo = [row for row in store.images_without_hash(HASH_BATCH + len(failed))
                if (row[0], row[1]) not in failed][:HASH_BATCH]
        if not todo:
            break
        found: dict[ImageKey, int] = {}
        for job_id, index, relative in todo:
            value = dhash_file(store.layout.absolute(relative))
            if value is None:
                failed.add((job_id, index))
            else:
                found[(job_id, index)] = value
        store.set_image_hashes(found)
        done += len(found)
    if failed:
        log.info("%d image(s) could not be hashed (unreadable files)", len(failed))
    return done


def scan(store: HistoryStore, *, max_distance: int = NEAR_DISTANCE,
         cancelled: Callable[[], bool] = lambda: False) -> DuplicateReport:
    """Backfill hashes, then group identical and near-duplicate images (worker thread)."""
    hashed = backfill_hashes(store, cancelled=cancelled) if not store.readonly else 0
    identical = [tuple(g) for g in store.identical_images()]
    same_file = {key: group[0] for group in identical for key in group}
    near: list[tuple[ImageKey, ...]] = []
    for group in near_groups(((j, i), h) for j, i, h in store.image_hashes()):
        # a group made only of one identical set is already listed as identical
        if len({same_file.get(key, key) for key in group}) > 1:
            near.append(tuple(group))
    return DuplicateReport(tuple(identical), tuple(near), hashed)
