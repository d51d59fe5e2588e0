"""Export and import of the library and history metadata (JSON) through the CLI, on real files."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from qwenimg_desktop.cli import main
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.snippets import Snippet
from qwenimg_desktop.core.store.transfer import TransferError, import_file, write_export

MakeJob = Callable[..., str]


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out=out)
    return code, out.getvalue()


def fill(store: HistoryStore, make_job: MakeJob) -> tuple[str, str, int]:
    a = make_job("一只可爱的猫 watercolor")
    b = make_job("lighthouse at dusk")
    store.add_tags([a], ["猫", "favourite pick"])
    store.set_rating([b], 4)
    trip = store.create_collection("旅行")
    store.add_to_collection(trip, [a, b])
    store.save_snippet(Snippet("Golden light", "## Light\ngolden hour", tags=("light",),
                               params={"fields": {"num_images": 2}}))
    return a, b, trip


def test_history_export_all_then_import_on_a_new_machine(
        store: HistoryStore, make_job: MakeJob, tmp_path: Path) -> None:
    a, b, _ = fill(store, make_job)
    old_ids = [j for _, j in store.query_keys(HistoryQuery(), limit=10)]
    export = tmp_path / "moving.json"
    code, text = cli("history", "export", "--all", str(export),
                     "--data-dir", str(store.layout.root))
    assert code == 0
    assert "2 generation(s)" in text
    raw = export.read_text(encoding="utf-8")
    assert "一只可爱的猫" in raw  # not escaped: readable
    new_root = tmp_path / "new-machine"
    code, text = cli("history", "import", str(export), "--data-dir", str(new_root))
    assert code == 0, text
    assert "imported 2 generation(s) (0 already here), 1 snippet(s), 1 collection(s)" in text
    with HistoryStore.open(DataLayout(new_root)) as moved:
        assert [j for _, j in moved.query_keys(HistoryQuery(), limit=10)] == old_ids
        record = moved.get(a)
        assert record is not None
        assert record.prompt == "一只可爱的猫 watercolor"
        assert record.images[0].path == store.get(a).images[0].path  # type: ignore[union-attr]
        assert moved.logs(a) == store.logs(a)
        assert moved.tags_of([a]) == {a: ["favourite pick", "猫"]}
        assert moved.ratings([b]) == {b: 4}
        assert [(c.name, c.count) for c in moved.collections()] == [("旅行", 2)]
        snippet = moved.snippets()[0]
        assert (snippet.name, snippet.tags, snippet.params) == (
            "Golden light", ("light",), {"fields": {"num_images": 2}})
        assert moved.query_keys(HistoryQuery(text="可爱的猫", tags=frozenset({"猫"})),
                                limit=5)[0][1] == a
    code, text = cli("history", "import", str(export), "--data-dir", str(new_root))
    assert "imported 0 generation(s) (2 already here), 0 snippet(s), 0 collection(s), " \
           "0 collection entries, 0 tag(s), 0 rating(s)" in text  # twice adds nothing


def test_library_only_export_keeps_collections_of_known_generations(
        store: HistoryStore, make_job: MakeJob, tmp_path: Path) -> None:
    fill(store, make_job)
    path = tmp_path / "library.json"
    assert write_export(store, path, jobs=False) == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "jobs" not in data
    assert data["collections"][0]["name"] == "旅行"
    with HistoryStore.open(DataLayout(tmp_path / "other").ensure()) as other:
        result = import_file(other, path)
        assert result.snippets_added == 1
        assert result.collections_added == 1
        assert result.memberships_added == 0  # those generations are not in this history
        assert [c.name for c in other.collections()] == ["旅行"]


@pytest.mark.parametrize(("content", "needle"), [
    (b"\xff\xfe not json", "is not JSON"),
    (b'{"format": "something else"}', "not an export"),
    (b'{"format": "qwenimg-desktop-export", "version": 99}', "version 99"),
    (b'{"format": "qwenimg-desktop-export", "version": 1, "jobs": [{"id": "nope"}]}',
     "damaged"),
    (b'{"format": "qwenimg-desktop-export", "version": 1, "jobs": {}}', "damaged"),
    (b'{"format": "qwenimg-desktop-export", "version": 1, "tags": []}', "damaged"),
    (b'{"format": "qwenimg-desktop-export", "version": 1, "ratings": {"x": 9}}', "1 to 5"),
    (b'{"format": "qwenimg-desktop-export", "version": 1, "snippets": [{"name": "n",'
     b' "body": "b"}], "tags": {"x": ["' + b"t" * 80 + b'"]}}', "refuses"),
    (b'{"format": "qwenimg-desktop-export", "version": 1, "collections": [{"jobs": []}]}',
     "damaged"),
])
def test_bad_import_files_are_refused_with_a_reason_and_change_nothing(
        store: HistoryStore, make_job: MakeJob, tmp_path: Path, content: bytes,
        needle: str) -> None:
    make_job("keep me")
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(TransferError, match=needle):
        import_file(store, path)
    assert store.query_count(HistoryQuery()) == 1
    assert store.snippets() == []  # checked before the first row was written
    code, _ = cli("history", "import", str(path), "--data-dir", str(store.layout.root))
    assert code != 0


def test_an_image_path_outside_the_data_folder_is_refused(store: HistoryStore,
                                                         make_job: MakeJob,
                                                         tmp_path: Path) -> None:
    make_job("x")
    path = tmp_path / "all.json"
    write_export(store, path, jobs=True)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["jobs"][0]["id"] = "e" * 32
    data["jobs"][0]["images"][0]["path"] = "../../outside.png"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TransferError, match="leaves the data folder"):
        import_file(store, path)
