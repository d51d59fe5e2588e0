"""Headless command line on the same core and history: generate, resume, history."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import queue
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from pydantic import BaseModel, ValidationError

from qwenimg_desktop import __version__
from qwenimg_desktop.cli_batch import BatchUsageError, add_batch_options, is_batch, run_batch
from qwenimg_desktop.core.cli_values import ValueProblem, parse_value, split_param, validate_strict
from qwenimg_desktop.core.edit_request import Reference
from qwenimg_desktop.core.endpoints import all_endpoints, default_endpoint, endpoint_for
from qwenimg_desktop.core.endpoints.describe import help_lines
from qwenimg_desktop.core.errors import QwenImgError, UserError
from qwenimg_desktop.core.fal import DEFAULT_QUEUE_BASE
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import (
    DEFAULT_ENDPOINT_ID,
    MAX_PROMPT_CHARS,
    GenerationRequest,
    field_errors,
    request_warnings,
)
from qwenimg_desktop.core.references import ReferenceRejected, prepare_reference, read_image_file
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.urls import validate_queue_base

if TYPE_CHECKING:
    from qwenimg_desktop.core.jobs.engine import JobEngine

QUEUE_URL_ENV: Final = "QWENIMG_QUEUE_URL"
# UTF-8 takes at most 4 bytes a character: a longer file cannot be a prompt the endpoint takes.
MAX_PROMPT_FILE_BYTES: Final = 4 * MAX_PROMPT_CHARS
EXIT_OK: Final = 0  # also in cli_batch.py
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
REDOWNLOAD_KINDS: Final = frozenset({"PaidNotDownloaded", "DeadlineExceeded"})


class UsageError(UserError):
    """Bad arguments or missing configuration: exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser (also used by ``--help``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="history and images folder (default: per-user data dir)")
    common.add_argument(
        "--queue-url",
        help=f"fal queue base URL (default: ${QUEUE_URL_ENV} or {DEFAULT_QUEUE_BASE})",
    )
    parser = argparse.ArgumentParser(
        prog="qwenimg-desktop", description="Qwen Image Desktop, headless."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser(
        "generate", parents=[common], help="generate images and wait for them",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="request fields for --param KEY=VALUE:\n" + "\n".join(help_lines(all_endpoints())),
    )
    gen.add_argument(
        "--endpoint", default=DEFAULT_ENDPOINT_ID, choices=[e.id for e in all_endpoints()],
        metavar="ID", help="the fal endpoint: " + ", ".join(
            f"{e.id} (${e.price_per_image_usd:.3f}/image)" for e in all_endpoints()),
    )
    src = gen.add_mutually_exclusive_group(required=True)
    src.add_argument("--prompt-file", type=Path, help="UTF-8 text/markdown file with the prompt")
    src.add_argument("--prompt", help="the prompt text")
    src.add_argument("--batch", type=Path, metavar="FILE",
                     help="JSON lines, one request each (prompt, negative_prompt, endpoint and "
                     "any field below); sent as one batch")
    gen.add_argument("--negative-prompt", default=None)
    gen.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any request field (listed below), e.g. seed=42 image_size=landscape_4_3 "
        "image_size=1024x768 num_images=2 output_format=webp enable_prompt_expansion=false",
    )
    gen.add_argument(
        "--image", action="append", default=[], type=Path, metavar="FILE",
        help="a reference image for an edit endpoint (repeat for image 1, 2, 3; JPEG, PNG or "
        "WebP, 384–5000 px per side, at most 10 MB, no transparency)",
    )
    gen.add_argument("--fix-images", action="store_true",
                     help="apply the offered fix to a reference that fails a check (flatten "
                     "transparency, downscale, re-encode) instead of stopping")
    gen.add_argument("--no-stream", action="store_true", help="poll status instead of SSE")
    gen.add_argument("--webhook", metavar="URL", default=None,
                     help="fal also POSTs the outcome to URL (the job is still watched here)")
    gen.add_argument("--timeout", type=float, default=None, help="give up waiting after S seconds")
    add_batch_options(gen)

    res = sub.add_parser("resume", parents=[common],
                         help="finish jobs interrupted by a crash or kill")
    rec = sub.add_parser(
        "reconcile", parents=[common],
        help="look for submits whose outcome is unknown in fal's request history now; one "
        "found is followed to its images (nothing is sent again)")
    for parser_ in (gen, res, rec):
        parser_.add_argument(
            "--lookup-seconds", type=float, default=600.0, metavar="S",
            help="how long a submit whose answer was lost is looked for at fal (default 600)")
    again = sub.add_parser(
        "redownload", parents=[common],
        help="fetch a generation's images again by its fal request id (no new submit, no charge)")
    again.add_argument("id", help="the generation's id or id prefix")

    spend = sub.add_parser(
        "spend", parents=[common],
        help="what fal billed: today, this week, this month, all time, per endpoint and per "
        "day (unknown costs counted apart, never as zero)")
    spend.add_argument("--json", action="store_true")
    spend.add_argument("--csv", action="store_true", help="every job's cost, as CSV")

    hist = sub.add_parser("history", help="browse the local history")
    hsub = hist.add_subparsers(dest="history_command", required=True)
    lst = hsub.add_parser("list", parents=[common], help="newest first")
    lst.add_argument("--limit", type=int, default=20)
    lst.add_argument("--state", choices=[s.value for s in JobState])
    lst.add_argument("--batch", metavar="ID", default=None,
                     help="only the jobs of this batch (its id from `generate --batch`)")
    lst.add_argument("--json", action="store_true")
    show = hsub.add_parser("show", parents=[common], help="one generation (id or id prefix)")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    search = hsub.add_parser("search", parents=[common], help="full-text search (Chinese too)")
    search.add_argument("text")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--json", action="store_true")
    export = hsub.add_parser(
        "export", parents=[common],
        help="write the library (snippets, collections, tags, ratings) and, with --all, every "
        "generation's metadata to a JSON file (image files are not included)")
    export.add_argument("file", type=Path, help="the JSON file to write")
    export.add_argument("--all", action="store_true", help="include every generation")
    imp = hsub.add_parser("import", parents=[common],
                          help="add what an export file holds (existing entries are kept)")
    imp.add_argument("file", type=Path)
    return parser


def parse_param(item: str, model: type[BaseModel] | None = None) -> tuple[str, Any]:
    """``key=value`` → (key, value as ``model``'s field takes it); raises ``ValueProblem``.

    ``model`` is the endpoint's request model (the default endpoint's when None).
    """
    key, raw = split_param(item)
    return key, parse_value(model or default_endpoint().request_model, key, raw)


def load_references(args: argparse.Namespace) -> list[tuple[Reference, bytes]]:
    """The ``--image`` files, checked (and fixed with ``--fix-images``) before any money."""
    endpoint = endpoint_for(args.endpoint)
    if args.image and not endpoint.takes_images:
        raise UsageError(f"{endpoint.id} takes no images; --image needs an edit endpoint",
                         next_step="Add --endpoint fal-ai/qwen-image-2/pro/edit (or /edit).")
    if endpoint.takes_images and not args.image:
        raise UsageError(f"{endpoint.id} edits reference images: Add a reference image with "
                         f"--image FILE (1 to {endpoint.max_references}, image 1 first)")
    if len(args.image) > endpoint.max_references:
        raise UsageError(f"{endpoint.id} takes at most {endpoint.max_references} images, "
                         f"not {len(args.image)}")
    loaded = []
    for path in args.image:
        try:
            loaded.append(prepare_reference(read_image_file(path), path.name,
                                            fix=args.fix_images))
        except ReferenceRejected as exc:
            hint = " (or run again with --fix-images)" if exc.check and exc.check.fixable else ""
            raise UsageError(f"{path}: {exc.message}",
                             next_step=(exc.next_step or "") + hint) from None
    return loaded


def read_prompt_file(path: Path) -> str:
    """The prompt file's text, read within a bound (``/dev/zero`` or a huge file is refused
    after ``MAX_PROMPT_FILE_BYTES``, never read to the end)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PROMPT_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read the prompt file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_PROMPT_FILE_BYTES:
        raise UsageError(f"the prompt file {path} is larger than {MAX_PROMPT_FILE_BYTES:,} bytes; "
                         f"a prompt holds at most {MAX_PROMPT_CHARS:,} characters")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"the prompt file {path} is not UTF-8 text") from None


def build_request(args: argparse.Namespace,
                  references: Sequence[Reference] = ()) -> GenerationRequest:
    """Validate the CLI's inputs into a request; raises UserError with every field problem."""
    if args.prompt_file is not None:
        prompt = read_prompt_file(Path(args.prompt_file))
    else:
        prompt = args.prompt
    data: dict[str, Any] = {"prompt": prompt}
    if args.negative_prompt is not None:
        data["negative_prompt"] = args.negative_prompt
    endpoint = endpoint_for(args.endpoint)
    model = endpoint.request_model
    lines: list[str] = []
    for item in args.param:
        try:
            key, value = parse_param(item, model)
        except ValueProblem as problem:
            lines.append(f"  {problem.key}: {problem.message}")
            continue
        data[key] = value
    if getattr(args, "webhook", None):
        data["webhook_url"] = args.webhook
    if endpoint_for(args.endpoint).takes_images:
        data["references"] = [ref.model_dump(mode="json") for ref in references]
    try:
        request = validate_strict(model, {**data, "endpoint": endpoint.id})
    except ValidationError as exc:
        lines += [f"  {fe.path or 'request'}: {fe.message}" for fe in field_errors(exc)
                  if f"  {fe.path}: " not in "".join(lines)]
    if lines:
        raise UsageError("invalid request:\n" + "\n".join(lines))
    for note in request_warnings(request):  # sent anyway: fal publishes no such limit
        sys.stderr.write(f"note: {note.path}: {note.message}\n")
    return request


def queue_base(args: argparse.Namespace) -> str:
    """--queue-url, else $QWENIMG_QUEUE_URL, else fal's queue."""
    try:
        return validate_queue_base(
            args.queue_url or os.environ.get(QUEUE_URL_ENV) or DEFAULT_QUEUE_BASE
        )
    except UserError as exc:
        raise UsageError(exc.message) from None


def _layout(args: argparse.Namespace) -> Any:
    from qwenimg_desktop.core.paths import default_data_dir  # noqa: PLC0415 - lazy, fast start
    from qwenimg_desktop.core.store.files import DataLayout  # noqa: PLC0415

    return DataLayout(default_data_dir(args.data_dir)).ensure()


class _Progress:
    """Prints engine events to stderr and remembers each job's final event."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.finals: queue.Queue[ev.JobEvent] = queue.Queue()
        self.ended: dict[str, ev.JobEvent] = {}  # taken off ``finals`` while waiting for another
        self.started = time.monotonic()

    def __call__(self, event: ev.JobEvent) -> None:
        line = _describe(event)
        if line:
            elapsed = time.monotonic() - self.started
            print(f"[{elapsed:6.1f}s] {event.job_id[:8]} {line}", file=self.stream, flush=True)
        if isinstance(event, ev.Completed | ev.Failed | ev.Cancelled | ev.FilesRestored):
            self.finals.put(event)


def _describe(event: ev.JobEvent) -> str:
    if isinstance(event, ev.Submitted):
        return f"submitted (request {event.request_id})"
    if isinstance(event, ev.Queued):
        return f"queued, position {event.place}" if event.place is not None else "queued"
    if isinstance(event, ev.Running):
        return "\n".join(f"log: {line}" for line in event.logs) if event.logs else ""
    if isinstance(event, ev.StateChanged):
        return f"{event.state.value}" + (f": {event.detail}" if event.detail else "")
    if isinstance(event, ev.Completed):
        return f"completed, seed {event.seed}, {len(event.image_paths)} image(s)"
    if isinstance(event, ev.Failed):
        return f"failed: {event.reason}" + (f" — {event.next_step}" if event.next_step else "")
    if isinstance(event, ev.Cancelled):
        return "cancelled" + (f": {event.detail}" if event.detail else "")
    return _describe_restored(event)


def _describe_restored(event: ev.JobEvent) -> str:
    if isinstance(event, ev.FilesRestored):
        return (f"re-download failed: {event.error}" if event.error
                else f"re-downloaded {event.restored} image(s)")
    return ""


def _make_engine(
    args: argparse.Namespace, sink: ev.EventSink, *, recover: bool, key: str | None
) -> JobEngine:
    from qwenimg_desktop.core.jobs.config import EngineConfig  # noqa: PLC0415 - lazy, fast
    from qwenimg_desktop.core.jobs.engine import JobEngine  # noqa: PLC0415 - start

    config = EngineConfig(_layout(args), queue_base=queue_base(args),
                          use_stream=not getattr(args, "no_stream", False), recover=recover,
                          owner_label=f"`qwenimg-desktop {args.command}`",
                          reconcile_deadline=getattr(args, "lookup_seconds", 600.0))
    return JobEngine(config, keys=lambda: key, sink=sink)


def _api_key(*, required: bool) -> str | None:
    """FAL_KEY or the keyring's key; a missing key is a usage error when ``required``."""
    from qwenimg_desktop.core.errors import KeyringUnavailable  # noqa: PLC0415
    from qwenimg_desktop.core.fal.credentials import (  # noqa: PLC0415
        key_from_environment,
        key_shape_problem,
    )
    from qwenimg_desktop.core.secrets import KeyStore  # noqa: PLC0415

    why = ""
    try:
        key = KeyStore().get()
    except KeyringUnavailable as exc:
        key, why = None, f" ({exc.message})"
    if not key and required:
        raise UsageError(
            "no fal API key: set FAL_KEY (or FAL_KEY_ID and FAL_KEY_SECRET), or save a key in "
            "the app (File → Settings…)" + why
        )
    if key and (problem := key_shape_problem(key)):
        _, variable = key_from_environment()
        raise UsageError(f"{problem} (from {variable or 'the keyring'})")
    return key


def cmd_generate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Submit one request and wait for it; one JSON line on stdout."""
    if is_batch(args):
        return run_batch(args, out, err, sys.modules[__name__])
    loaded = load_references(args)
    request = build_request(args, [ref for ref, _ in loaded])
    base = queue_base(args)
    key = _api_key(required=True)
    if loaded:  # kept in the history (content-addressed) before the job is journalled
        from qwenimg_desktop.core.store.reference_files import keep_reference  # noqa: PLC0415

        layout = _layout(args)
        for reference, data in loaded:
            keep_reference(layout, reference, data)
    progress = _Progress(err)
    engine = _make_engine(args, progress, recover=False, key=key)
    engine.start()
    try:
        job_id = engine.submit(request)
        print(f"job {job_id} → {base}", file=err, flush=True)
        final = _wait_for(progress, job_id, args.timeout)
        record = engine.store.get(job_id) if engine.store else None
    finally:
        engine.shutdown()
    payload = _job_json(record, final)
    print(json.dumps(payload, ensure_ascii=False), file=out, flush=True)
    if isinstance(final, ev.Failed) and final.kind in REDOWNLOAD_KINDS:
        print(f"fal keeps the result for a while: fetch it with `qwenimg-desktop redownload "
              f"{job_id[:12]}` (no new charge); `generate` again would be a second charge",
              file=err)
    return EXIT_OK if isinstance(final, ev.Completed) else EXIT_FAILED


def cmd_redownload(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Fetch one generation's result again by its request id: a paid result that was never
    stored (a stalled download, a full disk) or images whose files are gone."""
    from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415

    with HistoryStore.open(_layout(args), readonly=True) as store:
        job_id = _find(store, args.id).id
    progress = _Progress(err)
    engine = _make_engine(args, progress, recover=False, key=_api_key(required=True))
    engine.start()
    try:
        engine.redownload(job_id)
        while True:
            event = progress.finals.get()
            if isinstance(event, ev.FilesRestored) and event.job_id == job_id:
                break
        record = engine.store.get(job_id) if engine.store else None
    finally:
        engine.shutdown()
    if record is not None:
        print(json.dumps(_record_json(record, engine.layout), ensure_ascii=False), file=out)
    return EXIT_FAILED if event.error else EXIT_OK


def _wait_for(progress: _Progress, job_id: str, timeout: float | None) -> ev.JobEvent:
    """The final event of ``job_id``; those of other jobs that end first are kept for their
    own wait (a batch's jobs may end in any order)."""
    if job_id in progress.ended:
        return progress.ended.pop(job_id)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            event = progress.finals.get(timeout=remaining)
        except queue.Empty:
            raise UserError(
                f"gave up waiting after {timeout} s; the job keeps its row and can be "
                "finished with `qwenimg-desktop resume`"
            ) from None
        if event.job_id == job_id:
            return event
        progress.ended[event.job_id] = event


def _job_json(record: Any, final: ev.JobEvent | None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if record is not None:
        data = {
            "id": record.id,
            "request_id": record.request_id,
            "endpoint": record.endpoint,
            "state": record.state.value,
            "seed": record.seed,
            "created_at": record.created_at,
            "error": record.error,
        }
    if isinstance(final, ev.Completed):
        data["images"] = list(final.image_paths)
        data["seed"] = final.seed
    elif isinstance(final, ev.Failed):
        data["error"] = final.reason
        data["error_kind"] = final.kind
    return data


def cmd_resume(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Finish every interrupted job of the data dir (no resubmits); print one line per job."""
    progress = _Progress(err)
    engine = _make_engine(args, progress, recover=True, key=_api_key(required=True))
    engine.start()
    try:
        engine.wait_idle()
        held = engine.held  # a budget cap holds them: they wait for the app's user
        store = engine.store
        assert store is not None  # start() returned: the journal is open
        records = [store.get(j) for j in engine.recovered + engine.flagged_unknown]
    finally:
        engine.shutdown()
    failures = 0
    for record in filter(None, records):
        if record.state is not JobState.completed:
            failures += 1
        print(json.dumps(_record_json(record, engine.layout), ensure_ascii=False), file=out)
    print(
        f"resumed {len(engine.recovered)}, flagged {len(engine.flagged_unknown)} as unknown",
        file=err,
    )
    if engine.paused:
        print("sending is paused (in the app): jobs waiting to be sent stay waiting until it "
              "is resumed there", file=err)
    if held:
        print(f"{len(held)} job(s) held by a budget cap stay waiting: raise the cap in "
              "the app's settings, or choose Allow once on them there", file=err)
    if engine.held_elsewhere:
        print(f"{engine.held_notice()} Run `qwenimg-desktop resume` again once it has stopped"
              " if it does not finish them.", file=err)
        for owner, job_ids in engine.held_elsewhere.items():
            for job_id in job_ids:
                print(f"  job {job_id}: run by {owner.describe()}", file=err)
    return EXIT_OK if failures == 0 else EXIT_FAILED


def cmd_reconcile(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Look for every unknown submit at fal; print one line per job with where it ended."""
    progress = _Progress(err)
    engine = _make_engine(args, progress, recover=True, key=_api_key(required=True))
    engine.start()
    try:
        engine.wait_idle()  # the start's own recovery first
        job_ids = engine.find_lost_submits()
        engine.wait_idle()
        store = engine.store
        assert store is not None  # start() returned: the journal is open
        records = [store.get(j) for j in job_ids]
    finally:
        engine.shutdown()
    left = 0
    for record in filter(None, records):
        left += record.state is not JobState.completed
        print(json.dumps(_record_json(record, engine.layout), ensure_ascii=False), file=out)
    print(f"looked for {len(job_ids)}, {len(job_ids) - left} found and completed", file=err)
    return EXIT_OK if left == 0 else EXIT_FAILED


def cmd_spend(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the spend ledger's summary (or every job as CSV)."""
    from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415 - lazy
    from qwenimg_desktop.core.store.spend import ledger_csv, summarise  # noqa: PLC0415

    with HistoryStore.open(_layout(args), readonly=True) as store:
        entries = store.spend_ledger()
    if args.csv:
        out.write(ledger_csv(entries))
        return EXIT_OK
    summary = summarise(entries)
    if args.json:
        print(json.dumps(dataclasses.asdict(summary), ensure_ascii=False, sort_keys=True),
              file=out)
        return EXIT_OK
    print(f"today ${summary.today:.2f}  this week ${summary.week:.2f}  this month "
          f"${summary.month:.2f}  all time ${summary.all_time:.2f}", file=out)
    for endpoint, total in sorted(summary.by_endpoint.items()):
        print(f"  {endpoint}: ${total:.2f}", file=out)
    if summary.unknown_jobs:
        print(f"{summary.unknown_jobs} job(s) of unknown cost (not counted above)", file=out)
    return EXIT_OK


def _record_json(record: Any, layout: Any, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": record.id,
        "created_at": record.created_at,
        "state": record.state.value,
        "request_id": record.request_id,
        "seed": record.seed,
        "prompt": record.request.prompt if record.request else None,
        "images": [str(layout.absolute(img.path)) for img in record.images],
        "error": record.error,
    }
    if full:
        data["request"] = json.loads(record.request.model_dump_json()) if record.request else None
        data["favourite"] = record.favourite
        data["note"] = record.note
        data["cost_estimate"] = record.cost_estimate
        data["timings"] = {
            "submitted_at": record.submitted_at,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
        }
    return data


def cmd_history(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """list / show / search over the local history (read-only, offline)."""
    from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415
    layout = _layout(args)
    if args.history_command in ("export", "import"):
        return _transfer(args, layout, out)
    with HistoryStore.open(layout, readonly=True) as store:
        if args.history_command == "show":
            record = _find(store, args.id)
            if args.json:
                print(
                    json.dumps(_record_json(record, layout, full=True), ensure_ascii=False),
                    file=out,
                )
            else:
                _print_record(record, layout, out)
                for message, _level, _ts in store.logs(record.id):
                    print(f"  log: {message}", file=out)
            return EXIT_OK
        if args.history_command == "search":
            query = HistoryQuery(text=args.text)
        else:
            query = HistoryQuery(states=frozenset({JobState(args.state)}) if args.state else None,
                                 batch=args.batch)
        records = store.query_records(query, limit=args.limit)
    for record in records:
        if args.json:
            print(json.dumps(_record_json(record, layout), ensure_ascii=False), file=out)
        else:
            prompt = (record.request.prompt if record.request else "?").replace("\n", " ")
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))
            print(f"{record.id[:12]}  {when}  {record.state.value:<16} {prompt[:60]}", file=out)
    if not records:
        print("no matching generations", file=err)
    return EXIT_OK


def _transfer(args: argparse.Namespace, layout: Any, out: TextIO) -> int:
    """``history export`` / ``history import``: a JSON file of the library and history."""
    from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415
    from qwenimg_desktop.core.store.transfer import import_file, write_export  # noqa: PLC0415

    if args.history_command == "export":
        with HistoryStore.open(layout, readonly=True) as store:
            count = write_export(store, args.file, jobs=args.all)
        print(f"exported the library and {count} generation(s) to {args.file}", file=out)
        return EXIT_OK
    with HistoryStore.open(layout) as store:
        result = import_file(store, args.file)
    print(f"imported {result.jobs_added} generation(s) ({result.jobs_skipped} already here), "
          f"{result.snippets_added} snippet(s), {result.collections_added} collection(s), "
          f"{result.memberships_added} collection entries, {result.tags_added} tag(s), "
          f"{result.ratings_set} rating(s)", file=out)
    return EXIT_OK


def _find(store: Any, ident: str) -> Any:
    """The record whose id is ``ident`` or the only one starting with it (an index range)."""
    record = store.get(ident)
    if record is not None:
        return record
    query = HistoryQuery(id_prefix=ident)
    matches = store.query_records(query, limit=2) if ident else []
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UserError(f"no generation with id {ident!r}")
    raise UserError(f"id prefix {ident!r} is ambiguous ({store.query_count(query)} matches)")


def _print_record(record: Any, layout: Any, out: TextIO) -> None:
    print(f"id:          {record.id}", file=out)
    print(f"state:       {record.state.value}", file=out)
    print(f"request id:  {record.request_id or '-'}", file=out)
    print(f"seed:        {record.seed if record.seed is not None else '-'}", file=out)
    if record.error:
        print(f"error:       {record.error}", file=out)
    if record.request is not None:
        params = record.request.model_dump(mode="json", exclude={"prompt"})
        print(f"parameters:  {json.dumps(params, ensure_ascii=False)}", file=out)
        print("prompt:", file=out)
        for line in record.request.prompt.splitlines():
            print(f"  {line}", file=out)
    for img in record.images:
        path = layout.absolute(img.path)
        print(f"image {img.index}:     {path} ({img.width}×{img.height} {img.format})", file=out)


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    out = out or sys.stdout
    err = sys.stderr
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    handlers = {"generate": cmd_generate, "resume": cmd_resume, "reconcile": cmd_reconcile,
                "spend": cmd_spend, "redownload": cmd_redownload, "history": cmd_history}
    try:
        return handlers[args.command](args, out, err)
    except QwenImgError as exc:
        step = f"\n{exc.next_step}" if exc.next_step else ""
        print(f"error: {exc.message}{step}", file=err)
        usage = isinstance(exc, UsageError | BatchUsageError)
        return EXIT_USAGE if usage else EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted; unfinished jobs resume with `qwenimg-desktop resume`", file=err)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
