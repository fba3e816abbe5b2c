"""The ``slant`` command: thin commands over slant's functions.

Commands only parse arguments and call importable functions (``slant.batch``,
``slant.store``, ``slant.report``, ``slant.web.cli``, ``slant.train``). Heavy
libraries (torch, Ray, Django) are imported inside the commands that need
them, so ``slant --help`` and ``slant analyze one.txt`` start quickly.

Exit codes: 0 all went well; 1 some inputs were bad (each named on stderr,
and listed again at the end); 2 the command line or settings are wrong; 3 an
internal error (a bug in slant: on some inputs, or one that stopped the
command), named the same way.
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import Any, Iterator, List, Optional

import typer
from rich.console import Console
from rich.markup import escape

from .errors import InputError, SlantError

app = typer.Typer(
    name="slant",
    help="Read news critically: persuasion techniques, entities, stance, quotes and dates, "
    "as character offsets into the article's text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Sub-commands other parts of slant provide (web accounts, training).
user_app = typer.Typer(help="Web app users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
train_app = typer.Typer(help="Train the shipped models (needs the \\[train] extra and ../shared/data).",
                        no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(train_app, name="train")


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


def _fail(message: str, code: int = EXIT_USAGE) -> "typer.Exit":
    _err().print(f"[bold red]error:[/] {escape(message)}", markup=True)
    return typer.Exit(code)


def _stage_list(stages: Optional[str]) -> Optional[list[str]]:
    if stages is None:
        return None
    names = [s.strip() for s in stages.split(",") if s.strip()]
    if not names:
        raise _fail("--stages is empty; name stages separated by commas (see `slant stages`)")
    return names


def _db_url(db: Optional[str]) -> str:
    """--db, else SLANT_DB_URL / DATABASE_URL, else the SQLite file in the data folder."""
    from . import conf

    return db or conf.env_str("SLANT_DB_URL") or conf.default_database_url()


def _items(paths: list[str]) -> Iterator[Any]:
    """Articles and InputErrors from the paths, in order; ``-`` reads stdin."""
    from .batch import items_from
    from .sources import article_from_text

    for path in paths:
        if path == "-":
            try:
                yield article_from_text(sys.stdin.read(), source="<stdin>")
            except InputError as exc:
                yield exc
        else:
            yield from items_from(path)


def _check_read_settings() -> None:
    """A bad SLANT_MAX_BYTES or SLANT_MAX_CHARS stops the command before any input is read."""
    from .read import resolve_max_bytes, resolve_max_chars

    resolve_max_bytes()
    resolve_max_chars()


def _print_warnings(source: str, doc: Any, console: Console | None = None) -> None:
    """What the reader had to repair or may have lost in this article, one line each."""
    for warning in getattr(doc.article, "warnings", ()) if doc is not None else ():
        (console or _err()).print(f"[yellow]warning:[/] {escape(source)}: {escape(warning)}", markup=True)


def _print_failures(failures: list[Any], total: int) -> None:
    if not failures:
        return
    err = _err()
    err.print(f"[bold red]{len(failures)} of {total} input(s) failed:[/]", markup=True)
    for failure in failures:
        err.print(f"  {failure}{' (internal error)' if getattr(failure, 'internal', False) else ''}", markup=False)


def _failures_exit(failures: list[Any]) -> None:
    """Exit 3 if any failure is a bug in slant, 1 if some inputs were bad, else go on."""
    if any(getattr(f, "internal", False) for f in failures):
        raise typer.Exit(EXIT_INTERNAL)
    if failures:
        raise typer.Exit(EXIT_BAD_INPUT)


# ---------------------------------------------------------------------------
# analyze


@app.command()
def analyze(
    paths: List[str] = typer.Argument(..., help="Files or folders (HTML, text, JSON Lines, feeds, WARC); - reads stdin."),
    json_out: bool = typer.Option(False, "--json", help="Print one slant.analysis/1 object per article, one per line."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write a standalone HTML report to this file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print no terminal report (with --html: only write the page)."),
    stages: Optional[str] = typer.Option(None, "--stages", help="Stages to run, comma-separated (default: all)."),
    threshold: Optional[float] = typer.Option(
        None, "--threshold", min=0.0, max=1.0,
        help="Show persuasion spans scored at least this (0-1; default: the model's reader threshold); lower ones are candidates.",
    ),
    all_candidates: bool = typer.Option(
        False, "--all-candidates", help="Also show the candidates below the threshold, in a lighter tint with their scores."
    ),
) -> None:
    """Analyse articles and print a report (or JSON, or an HTML page)."""
    from . import batch

    names = _stage_list(stages)
    try:
        _check_read_settings()
    except SlantError as exc:
        raise _fail(str(exc)) from None
    console = Console(highlight=False)
    docs = []
    failures = []
    total = 0
    try:
        for outcome in batch.run(_items(paths), stages=names):
            total += 1
            if outcome.failure is not None:
                failures.append(outcome.failure)
                _err().print(f"[red]error:[/] {escape(str(outcome.failure))}", markup=True)
                continue
            doc = outcome.doc
            _print_warnings(outcome.source, doc)
            if json_out:
                typer.echo(_thresholded(doc, threshold).to_json())
            elif not quiet:
                _render_terminal(doc, console, threshold, all_candidates)
            if html is not None:
                docs.append(doc)
    except SlantError as exc:  # stages that do not fit together, a model that cannot load
        _print_failures(failures, total)
        raise _fail(str(exc)) from None
    if html is not None:
        from .report.html import render_page

        html.write_text(render_page(docs, threshold=threshold, show_candidates=all_candidates), encoding="utf-8")
        _err().print(f"wrote {html} ({len(docs)} article(s))", markup=False)
    _print_failures(failures, total)
    _failures_exit(failures)


def _thresholded(doc: Any, threshold: Optional[float]) -> Any:
    """The doc without persuasion spans scored below ``threshold`` (for --json)."""
    if threshold is None or "persuasion" not in doc.layers:
        return doc
    doc.set_layer("persuasion", [s for s in doc.layers["persuasion"] if s.score is None or s.score >= threshold])
    return doc


def _render_terminal(doc: Any, console: Console, threshold: Optional[float], all_candidates: bool = False) -> None:
    from .report.terminal import render

    render(doc, console, threshold=threshold, show_candidates=all_candidates)


# ---------------------------------------------------------------------------
# ingest, export


class Engine(str, enum.Enum):
    local = "local"
    ray = "ray"


class Format(str, enum.Enum):
    jsonl = "jsonl"
    csv = "csv"
    ptc = "ptc"


@app.command()
def ingest(
    paths: List[str] = typer.Argument(..., help="Files or folders to analyse and store."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: SQLite in SLANT_DATA_DIR)."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local: worker processes here; ray: Ray actors."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes (local) or actors (ray)."),
    address: Optional[str] = typer.Option(None, "--address", help="Address of an existing Ray cluster."),
    stages: Optional[str] = typer.Option(None, "--stages", help="Stages to run, comma-separated (default: all)."),
) -> None:
    """Analyse articles and store them; rerun to resume. Nothing stored is touched."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from . import batch

    names = _stage_list(stages)
    try:
        _check_read_settings()
    except SlantError as exc:
        raise _fail(str(exc)) from None
    err = _err()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    task = progress.add_task("ingesting", total=None, counts="")

    def report(outcome: batch.Outcome, summary: batch.IngestSummary) -> None:
        if outcome.failure is not None:
            progress.console.print(f"[red]error:[/] {escape(str(outcome.failure))}", markup=True)
        _print_warnings(outcome.source, outcome.doc, progress.console)
        progress.update(
            task,
            advance=1,
            counts=f"{summary.stored} stored · {summary.skipped} skipped · {len(summary.failures)} failed",
        )

    try:
        with progress:
            summary = batch.ingest(
                paths, db=_db_url(db), stages=names, engine=engine.value, workers=workers,
                address=address, progress=report,
            )
            progress.update(task, total=summary.seen, completed=summary.seen)
    except (SlantError, ValueError) as exc:
        raise _fail(str(exc)) from None
    rate = summary.stored / summary.seconds if summary.seconds > 0 else 0.0
    typer.echo(
        f"{summary.stored} stored, {summary.skipped} skipped (already stored), "
        f"{len(summary.failures)} failed, in {summary.seconds:.1f} s ({rate:.2f} articles/s); "
        f"pipeline {summary.pipeline}"
    )
    _print_failures(summary.failures, summary.seen)
    _failures_exit(summary.failures)


@app.command()
def export(
    fmt: Format = typer.Option(..., "--format", help="jsonl: the analyses; csv: one row per span; ptc: SemEval-2020 task 11."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: SQLite in SLANT_DATA_DIR)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write here instead of stdout."),
    pipeline: Optional[str] = typer.Option(None, "--pipeline", help="Only analyses by this pipeline id (default: latest)."),
    collection: Optional[int] = typer.Option(
        None, "--collection", help="Only this web collection's articles (its id), with its editors' corrections applied."),
) -> None:
    """Export stored analyses (of one collection, corrected, with --collection)."""
    from . import store
    from .store import export as exporting

    using = store.setup(_db_url(db))
    items = None
    if collection is not None:
        from .web.reader.exports import collection_items

        items = collection_items(collection, using=using, pipeline=pipeline)
    if out is None:
        n = exporting.write(fmt.value, sys.stdout, using=using, pipeline=pipeline, items=items)
    else:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            n = exporting.write(fmt.value, fh, using=using, pipeline=pipeline, items=items)
        _err().print(f"wrote {out} ({n} {'rows' if fmt is not Format.jsonl else 'analyses'})", markup=False)


# ---------------------------------------------------------------------------
# stories (issue 13)


@app.command("stories")
def stories_cmd(
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: SQLite in SLANT_DATA_DIR)."),
    collection: Optional[int] = typer.Option(None, "--collection", help="Only the articles of this web collection."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per story, one per line."),
    group: bool = typer.Option(False, "--group", help="First group stored articles that are in no story yet."),
    merge: Optional[str] = typer.Option(None, "--merge", help="Merge stories by hand: ids, the target first (7,9)."),
    split: Optional[int] = typer.Option(None, "--split", help="Split this story: --articles go to a new story."),
    articles: Optional[str] = typer.Option(None, "--articles", help="With --split: article ids, comma-separated."),
    min_size: int = typer.Option(1, "--min-size", min=1, help="Only stories with at least this many articles."),
) -> None:
    """List the stories: the same event across outlets (and merge or split them by hand)."""
    from . import store
    from .store.aggregates import commands

    using = store.setup(_db_url(db))
    try:
        commands.run(sys.stdout, using=using, collection=collection, as_json=json_out, group=group, merge=merge,
                     split=split, articles=articles, min_size=min_size)
    except InputError as exc:
        raise _fail(str(exc)) from None


# ---------------------------------------------------------------------------
# stages


@app.command("stages")
def list_stages() -> None:
    """List the registered stages: what each needs and adds, and its languages."""
    from rich.table import Table

    from .pipeline import DEFAULT_STAGES, registry

    specs = registry()
    order = [n for n in DEFAULT_STAGES if n in specs] + sorted(n for n in specs if n not in DEFAULT_STAGES)
    table = Table("stage", "needs", "adds", "languages", "default", "description", box=None)
    for name in order:
        spec = specs[name]
        table.add_row(
            name,
            ", ".join(spec.needs) or "-",
            ", ".join(spec.adds) or "-",
            ", ".join(sorted(spec.languages)) if spec.languages is not None else "any",
            "yes" if name in DEFAULT_STAGES else "no",
            spec.description,
        )
    Console(highlight=False).print(table)
    missing = [n for n in DEFAULT_STAGES if n not in specs]
    if missing:
        _err().print(f"not registered (left out of the default pipeline): {', '.join(missing)}", markup=False)


# ---------------------------------------------------------------------------
# Web app and training: wrappers over slant.web.cli and slant.train


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="User name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin's first line."),
    email: str = typer.Option("", "--email"),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Create a web app user."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    _use_db(db)
    from .web.cli import user_add as add

    try:
        add(name, password, email=email)
    except SlantError as exc:
        raise _fail(str(exc), 1) from None
    typer.echo(f"user {name} created")


@token_app.command("create")
def token_create(
    name: str = typer.Argument(..., help="The user the token acts for."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Create an API token for a user and print it (it is shown only once)."""
    _use_db(db)
    from .web.cli import token_create as create

    try:
        typer.echo(create(name))
    except SlantError as exc:
        raise _fail(str(exc), 1) from None


@app.command()
def secret(
    force: bool = typer.Option(False, "--force", help="Replace an existing key (logs everyone out)."),
) -> None:
    """Write a strong secret key into the data folder (mode 600); the web app uses it from then on."""
    from .web.cli import write_secret_key

    try:
        path = write_secret_key(force=force)
    except SlantError as exc:
        raise _fail(str(exc), 1) from None
    typer.echo(f"secret key written to {path}")


@app.command()
def invite(
    days: Optional[int] = typer.Option(None, "--days", min=1, help="Days until it expires (default SLANT_INVITE_DAYS)."),
    by: Optional[str] = typer.Option(None, "--by", help="The staff user it is recorded as from."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Create a single-use invitation to register and print its code (shown only once)."""
    _use_db(db)
    from .web.cli import invite_create

    try:
        code, expires = invite_create(days=days, by=by)
    except SlantError as exc:
        raise _fail(str(exc), 1) from None
    typer.echo(f"invitation valid until {expires:%Y-%m-%d %H:%M} UTC; register at /accounts/register/?invite={code}")
    typer.echo(code)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(1, "--workers", min=0, help="Background analysis worker processes."),
    threads: int = typer.Option(8, "--threads", min=1, help="Web server threads (requests served at once)."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Run the web app with its analysis workers."""
    _use_db(db)
    from .web.cli import serve as run_server

    run_server(host=host, port=port, workers=workers, threads=threads)


def _use_db(db: Optional[str]) -> None:
    # The web app reads the database from the environment (and so do the
    # worker processes `serve` starts), so --db goes there.
    if db:
        os.environ["SLANT_DB_URL"] = db


_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


@train_app.command("persuasion", context_settings=_PASS_THROUGH, add_help_option=False)
def train_persuasion(ctx: typer.Context) -> None:
    """Train the persuasion model (arguments go to slant.train.persuasion; --help lists them)."""
    from .train.persuasion import main as train

    raise typer.Exit(train(list(ctx.args)) or 0)


@train_app.command("stance", context_settings=_PASS_THROUGH, add_help_option=False)
def train_stance(ctx: typer.Context) -> None:
    """Train the stance model (arguments go to slant.train.stance; --help lists them)."""
    from .train.stance import main as train

    raise typer.Exit(train(list(ctx.args)) or 0)


def main() -> None:
    """The console-script entry point."""
    try:
        app()
    except SlantError as exc:  # a setting or model problem found late: one line, no traceback
        _err().print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001  (a bug: its own exit code, the traceback for the report)
        import traceback

        traceback.print_exc()
        _err().print(f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}", markup=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
