"""Lineage survives a restart (it lives in the journal) and an export (the sidecar and the
embedded metadata carry the request with its references and where each came from)."""

from __future__ import annotations

import json
from pathlib import Path

from qwenimg_desktop.core.endpoints import build_request
from qwenimg_desktop.core.references import make_reference
from qwenimg_desktop.core.store.export import sidecar
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.metadata import EmbeddedMeta, embed_bytes, read_metadata
from qwenimg_desktop.core.store.records import ImageRecord
from qwenimg_desktop.core.store.reference_files import keep_reference
from tests.endpoints.images import image_file


def test_lineage_survives_a_restart_and_an_export(data_layout: DataLayout, tmp_path: Path
                                                  ) -> None:
    parent = "a" * 32
    data = image_file("PNG", (512, 512))
    reference = make_reference(data, "parent.png", source_job_id=parent, source_index=2)
    with HistoryStore.open(data_layout) as store:
        keep_reference(store.layout, reference, data)
        request = build_request("fal-ai/qwen-image-2/edit",
                                {"prompt": "an edit", "references": [reference]})
        child = store.create_pending(request, queue_base="q", cost_estimate=0.035)
    with HistoryStore.open(data_layout) as store:  # a restart
        (link,) = store.made_from(child)
        assert (link.source_job_id, link.source_index, link.sha256) == (parent, 2,
                                                                        reference.sha256)
        assert [e.job_id for e in store.edits_of(parent)] == [child]
        record = store.get(child)
    assert record is not None
    meta = sidecar(record, ImageRecord(0, "images/x.png", 64, 64, "png", 10, "0" * 64))
    assert meta["endpoint"] == "fal-ai/qwen-image-2/edit"
    (exported_ref,) = meta["request"]["references"]
    assert (exported_ref["source_job_id"], exported_ref["source_index"]) == (parent, 2)
    embedded = embed_bytes(image_file("PNG", (64, 64)), "png",
                           EmbeddedMeta(request=record.request, seed=3))
    restored = read_metadata(embedded)
    assert restored is not None
    assert restored.model == "fal-ai/qwen-image-2/edit"
    assert restored.request == record.request  # the references and their sources included
    assert json.loads(json.dumps(meta)) == meta  # a plain JSON document


def test_gallery_tiles_mark_edits_and_the_standard_tier(data_layout: DataLayout) -> None:
    from qwenimg_desktop.ui.history.model import _endpoint_badges

    data = image_file("PNG", (512, 512))
    reference = make_reference(data, "r.png")
    with HistoryStore.open(data_layout) as store:
        keep_reference(store.layout, reference, data)
        ids = {
            endpoint: store.create_pending(
                build_request(endpoint, {"prompt": "tile", **(
                    {"references": [reference]} if "edit" in endpoint else {})}),
                queue_base="q", cost_estimate=0.1)
            for endpoint in ("fal-ai/qwen-image-2/pro/text-to-image",
                             "fal-ai/qwen-image-2/text-to-image", "fal-ai/qwen-image-2/edit")
        }
        summaries = store.summaries(list(ids.values()))
    marks = {endpoint: [text for _, text in _endpoint_badges(summaries[job])]
             for endpoint, job in ids.items()}
    assert marks == {"fal-ai/qwen-image-2/pro/text-to-image": [],
                     "fal-ai/qwen-image-2/text-to-image": ["S"],
                     "fal-ai/qwen-image-2/edit": ["✎", "S"]}
