"""``generate`` with many jobs: --batch FILE, prompt variables and grid axes, a dry run, and the
total cost confirmed before anything is sent.

Everything is planned first (``core.batch``): a malformed line, prompt or axis, a missing
wildcard list or a count over the limit stops here with a message and nothing journalled or
sent. A batch whose total would pass a budget cap of the app's settings (daily, monthly) is
refused whole unless ``--allow-over-budget``. Then the total cost is shown and must be confirmed
(``--yes``, or ``y`` at a terminal) before the batch is journalled whole and sent in order.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, TextIO

from pydantic import ValidationError

from qwenimg_desktop.core.batch.grid import grid_for
from qwenimg_desktop.core.batch.plan import (
    AXES,
    MAX_BATCH_JOBS,
    BatchPlan,
    PlannedJob,
    parse_axis,
    plan_batch,
    request_cost,
)
from qwenimg_desktop.core.batch.variables import MAX_EXPANSIONS, folder_source, resolve
from qwenimg_desktop.core.cli_values import ValueProblem, validate_strict
from qwenimg_desktop.core.endpoints import endpoint_for
from qwenimg_desktop.core.errors import QwenImgError, UserError
from qwenimg_desktop.core.params import GenerationRequest, field_errors
from qwenimg_desktop.core.pricing import CachedPrice, PriceTable

if TYPE_CHECKING:
    from qwenimg_desktop.core.store.history import HistoryStore

EXIT_OK: Final = 0  # the CLI's exit codes (cli.py)
EXIT_FAILED: Final = 1
MAX_BATCH_FILE_BYTES: Final = 64 * 1024 * 1024
"""A batch file larger than this is refused before it is read (1,000 lines of long prompts fit)."""


def add_batch_options(gen: argparse.ArgumentParser) -> None:
    """The batch options of ``generate``."""
    group = gen.add_argument_group("batches (several jobs from one command)")
    group.add_argument(
        "--variables", choices=["all", "random"], default=None,
        help="expand prompt variables ({red|blue}, __wildcard__ from <data dir>/wildcards/"
        "NAME.txt): every combination, or --picks random ones (seeded by --variables-seed)")
    group.add_argument("--picks", type=int, default=4, metavar="N",
                       help="how many random picks with --variables random (default 4)")
    group.add_argument("--variables-seed", type=int, default=0, metavar="S",
                       help="the seed of the random picks: the same seed, the same prompts")
    group.add_argument(
        "--axis", action="append", default=[], metavar="NAME=VALUES",
        help="a grid axis (repeat for X, Y, Z): " + "; ".join(
            f"{name} ({how})" for name, how in AXES.items()))
    group.add_argument("--dry-run", action="store_true",
                       help="print the jobs and the total cost, send nothing")
    group.add_argument("--yes", action="store_true",
                       help="send without asking to confirm the total cost")
    group.add_argument("--allow-over-budget", action="store_true",
                       help="send a batch even if it would pass the daily or monthly cap set in "
                       "the app's settings (without it, such a batch is refused, nothing sent)")


def is_batch(args: argparse.Namespace) -> bool:
    """Whether ``generate`` was asked for more than a single plain request."""
    return bool(args.batch or args.variables or args.axis or args.dry_run)


class OverBudget(UserError):
    """A batch whose total would pass a budget cap: refused whole, nothing sent."""

    next_step = ("Raise the cap in the app (File → Settings…), send fewer jobs, or add "
                 "--allow-over-budget to send it anyway.")


class BatchUsageError(UserError):
    """A bad batch argument or file: the CLI exits with its usage code (2)."""


def _usage(message: str) -> UserError:
    return BatchUsageError(message)


def read_batch_file(path: Path, args: argparse.Namespace,
                    cli: ModuleType) -> list[GenerationRequest]:
    """One request a line (blank lines skipped); an error names the line."""
    requests: list[GenerationRequest] = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        if len(requests) >= MAX_BATCH_JOBS:
            raise _usage(f"the batch file {path} holds more than {MAX_BATCH_JOBS:,} requests")
        requests.append(_line_request(f"{path} line {number}", line, args, cli))
    if not requests:
        raise _usage(f"the batch file {path} holds no request")
    return requests


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BATCH_FILE_BYTES:
            raise _usage(f"the batch file {path} is {size:,} bytes; the limit is "
                         f"{MAX_BATCH_FILE_BYTES:,}")
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise _usage(f"cannot read the batch file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _usage(f"the batch file {path} is not UTF-8 text") from None


def _line_request(where: str, line: str, args: argparse.Namespace,
                  cli: ModuleType) -> GenerationRequest:
    """One line's request: --param values are its defaults, the line's fields win."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _usage(f"{where}: not JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(item, dict):
        raise _usage(f"{where}: a request is a JSON object, {{\"prompt\": …}}")
    try:
        endpoint = endpoint_for(str(item.pop("endpoint", args.endpoint)))
    except UserError as exc:
        raise _usage(f"{where}: {exc.message}") from None
    data: dict[str, Any] = {}
    for param in args.param:
        try:
            key, value = cli.parse_param(param, endpoint.request_model)
        except ValueProblem as problem:
            raise _usage(f"--param {problem.key}: {problem.message}") from None
        data[key] = value
    data.update(item)
    try:
        return validate_strict(endpoint.request_model, {**data, "endpoint": endpoint.id})
    except ValidationError as exc:
        problems = "; ".join(f"{fe.path or 'request'}: {fe.message}" for fe in field_errors(exc))
        raise _usage(f"{where}: {problems}") from None


def build_plan(args: argparse.Namespace, cli: ModuleType) -> BatchPlan:
    """Every job the command asks for; raises a UserError (nothing sent) if any is bad."""
    from qwenimg_desktop.core.paths import default_data_dir  # noqa: PLC0415

    if args.batch is not None:
        bases = read_batch_file(Path(args.batch), args, cli)
    else:
        bases = [cli.build_request(args)]
    axes = [parse_axis(text) for text in args.axis]
    source = folder_source(default_data_dir(args.data_dir))
    jobs: list[PlannedJob] = []
    for base in bases:
        prompts = None
        if args.variables is not None:
            variables = resolve(base.prompt, source)
            prompts = (variables.all(limit=MAX_EXPANSIONS) if args.variables == "all"
                       else variables.picks(args.picks, args.variables_seed))
        plan = plan_batch(base, prompts=prompts, axes=axes,
                          limit=MAX_BATCH_JOBS - len(jobs))
        jobs.extend(plan.jobs)
    return BatchPlan(tuple(jobs), tuple(axes))


def _price_table(args: argparse.Namespace, cli: ModuleType) -> PriceTable:
    """The prices to show the batch's total at: this data folder's cache of fal's prices, read
    from fal now (free) when a day old or missing and a key is at hand; unknown otherwise."""
    from qwenimg_desktop.core.endpoints.registry import all_endpoints  # noqa: PLC0415
    from qwenimg_desktop.core.errors import QwenImgError  # noqa: PLC0415
    from qwenimg_desktop.core.fal.platform import prices_with_key  # noqa: PLC0415
    from qwenimg_desktop.core.paths import default_data_dir  # noqa: PLC0415
    from qwenimg_desktop.core.pricing import needs_refresh  # noqa: PLC0415
    from qwenimg_desktop.core.store.files import DataLayout  # noqa: PLC0415
    from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415

    layout = DataLayout(default_data_dir(args.data_dir))
    table: dict[str, CachedPrice] = {}
    if layout.db_path.exists():
        try:
            with HistoryStore.open(layout, readonly=True) as store:
                table = store.cached_prices()
        except QwenImgError:  # a damaged or newer history: the engine says so when it opens
            pass
    ids = [endpoint.id for endpoint in all_endpoints()]
    if needs_refresh(table, ids):
        try:
            key = cli._api_key(required=False)
            if key:
                table.update((p.endpoint_id, p) for p in prices_with_key(cli.queue_base(args),
                                                                          key, ids))
        except QwenImgError:  # offline: the last known prices, or unknown
            pass
    return table


def _print_plan(plan: BatchPlan, table: PriceTable, out: TextIO) -> None:
    for index, job in enumerate(plan.jobs):
        request = job.request
        print(json.dumps({"index": index, "prompt": request.prompt, "labels": list(job.labels),
                          "endpoint": request.endpoint, "seed": request.seed,
                          "num_images": request.num_images,
                          "cost_usd": request_cost(request, None, table)},
                         ensure_ascii=False), file=out)


def _summary(plan: BatchPlan, table: PriceTable) -> str:
    total = plan.total_cost(None, table)
    cost = ("cost unknown (fal's prices not read yet)" if total is None
            else f"about ${total:.2f}")
    return f"{len(plan.jobs):,} job(s), {plan.images:,} image(s), {cost}"


def refuse_over_budget(plan: BatchPlan, table: PriceTable, args: argparse.Namespace) -> None:
    """Raise :class:`OverBudget` if the batch's total would pass a cap of the app's settings,
    counting what fal billed today and this month and the jobs still on their way (at an
    unknown price no cap can be checked: refused too, ``--allow-over-budget`` sends it)."""
    from qwenimg_desktop.core.budget import Budget, check_budget  # noqa: PLC0415
    from qwenimg_desktop.core.paths import (  # noqa: PLC0415
        SETTINGS_FILE,
        default_config_dir,
        default_data_dir,
    )
    from qwenimg_desktop.core.settings import AppSettings  # noqa: PLC0415
    from qwenimg_desktop.core.store.files import DataLayout  # noqa: PLC0415
    from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415

    caps = AppSettings.load(default_config_dir(args.data_dir) / SETTINGS_FILE).budget.caps
    if caps == Budget():
        return
    with HistoryStore.open(DataLayout(default_data_dir(args.data_dir)), readonly=True) as store:
        spent = store.committed_spend()
    decision = check_budget(plan.total_cost(None, table), plan.images, spent_today=spent.today,
                            spent_month=spent.month, budget=caps)
    if not decision.may_send:
        raise OverBudget(f"not sent: {_summary(plan, table)}. {decision.reason}")


def _confirmed(plan: BatchPlan, table: PriceTable, args: argparse.Namespace, err: TextIO
               ) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise _usage(f"{_summary(plan, table)} would be sent: add --yes to send them, or --dry-run "
                     "to look at them first")
    print(f"Send {_summary(plan, table)}? [y/N] ", end="", file=err, flush=True)
    return sys.stdin.readline().strip().lower() in {"y", "yes"}


def run_batch(args: argparse.Namespace, out: TextIO, err: TextIO, cli: ModuleType) -> int:
    """Plan, show the cost, confirm, journal the batch whole, send it, wait; a line per job.

    ``cli`` is the CLI module itself (passed in: run as ``-m`` it is ``__main__``, and an
    import would load a second copy)."""
    from qwenimg_desktop.core.jobs import events as ev  # noqa: PLC0415

    if args.image:
        raise _usage("reference images (--image) are for one request, not a batch")
    plan = build_plan(args, cli)
    table = _price_table(args, cli)
    if args.dry_run:
        _print_plan(plan, table, out)
        print(json.dumps({"jobs": len(plan.jobs), "images": plan.images,
                          "total_cost_usd": plan.total_cost(None, table)}), file=out)
        print(f"dry run: {_summary(plan, table)}; nothing sent", file=err)
        return EXIT_OK
    base = cli.queue_base(args)
    key = cli._api_key(required=True)
    if not args.allow_over_budget:
        refuse_over_budget(plan, table, args)
    if not _confirmed(plan, table, args, err):
        print("not sent", file=err)
        return EXIT_FAILED
    progress = cli._Progress(err)
    engine = cli._make_engine(args, progress, recover=False, key=key)
    engine.start()
    ok = True
    try:
        batch_id, job_ids = engine.submit_batch([job.request for job in plan.jobs],
                                                label=plan.jobs[0].request.prompt[:80])
        print(f"batch {batch_id}: {_summary(plan, table)} → {base}", file=err, flush=True)
        _keep_grid(engine.store, plan, batch_id, job_ids, err)
        for job_id, job in zip(job_ids, plan.jobs, strict=True):
            final = cli._wait_for(progress, job_id, args.timeout)
            record = engine.store.get(job_id) if engine.store else None
            line = cli._job_json(record, final)
            line.update(batch_id=batch_id, labels=list(job.labels))
            print(json.dumps(line, ensure_ascii=False), file=out, flush=True)
            ok = ok and isinstance(final, ev.Completed)
    finally:
        engine.shutdown()
    return EXIT_OK if ok else EXIT_FAILED


def _keep_grid(store: HistoryStore | None, plan: BatchPlan, batch_id: str,
               job_ids: list[str], err: TextIO) -> None:
    """Keep the batch's grid beside it, so the window lays it out by its axes; layout, not
    money: a failure is said and the batch goes on (it is then shown numbered)."""
    if store is None:
        return
    try:
        store.save_grid(grid_for(plan, batch_id, job_ids))
    except QwenImgError as exc:
        print(f"the batch's grid was not kept: {exc.message}", file=err)
