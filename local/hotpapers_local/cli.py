"""The `hotpapers` command: the whole system on one machine, through the real handlers.

With AWS_ENDPOINT_URL unset, every command starts the embedded AWS (moto's
server on 127.0.0.1) for its own lifetime; set AWS_ENDPOINT_URL to use
LocalStack, a long-running `hotpapers emulator`, or AWS itself.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from hotpapers.core.events import MAX_RANGE_DAYS


def _day(value: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def _days_chunks(first: date, last: date) -> list[tuple[date, date]]:
    """Split a long backfill into ranges one Lambda invocation accepts."""
    chunks = []
    while first <= last:
        end = min(last, first + timedelta(days=MAX_RANGE_DAYS - 1))
        chunks.append((first, end))
        first = end + timedelta(days=1)
    return chunks


def _console_logging() -> None:
    """Short human lines on stderr for the terminal; in Lambda the same logger writes Powertools' JSON."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    from hotpapers.core.observability import logger

    class ConsoleFormatter(LambdaPowertoolsFormatter):
        def format(self, record: logging.LogRecord) -> str:
            message = record.getMessage() if isinstance(record.msg, str) else str(record.msg)
            details = "".join(
                f" {key}={record.__dict__[key]}" for key in ("source", "arxiv_id", "reason") if record.__dict__.get(key)
            )
            if record.exc_info and record.exc_info[1] is not None:
                details += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            return f"  {record.levelname.lower():7} {message}{details}"

    handler = logger.registered_handler
    handler.setFormatter(ConsoleFormatter())
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(sys.stderr)


def cmd_provision(args: argparse.Namespace) -> int:
    from hotpapers.core.settings import Settings
    from hotpapers_local.emulator import aws_endpoint
    from hotpapers_local.provision import provision

    with aws_endpoint() as endpoint:
        result = provision(Settings.from_env(), args.template)
        print(
            f"provisioned at {endpoint}: table {result.table}, bucket {result.bucket}, bus {result.event_bus}, "
            f"collect queue {result.collect_queue}"
        )
        print("  created: " + (", ".join(result.created) if result.created else "nothing (all existed)"))
    return 0


def _collect(first: date, last: date, sources: list[str] | None) -> list[dict[str, Any]]:
    from hotpapers_local.invoke import invoke

    results = []
    for start, end in _days_chunks(first, last):
        event: dict[str, Any] = (
            {"date": start.isoformat()} if start == end else {"from": start.isoformat(), "to": end.isoformat()}
        )
        if sources:
            event["sources"] = sources
        print(f"collecting {start}" + (f" .. {end}" if end != start else ""), file=sys.stderr)
        results.append(invoke("collect", event, keep_stdout=False))
    return results


def cmd_collect(args: argparse.Namespace) -> int:
    last = args.to or args.date
    if last < args.date:
        print(f"error: --to {last} is before --date {args.date}", file=sys.stderr)
        return 2
    sources = [part.strip() for part in args.sources.split(",")] if args.sources else None
    from hotpapers_local.console import print_collect_summary
    from hotpapers_local.relay import relay_collect_finished

    _console_logging()
    with _aws():
        summaries = _collect(args.date, last, sources)
        for summary in summaries:
            print_collect_summary(summary)
        if not args.no_publish:
            relay_collect_finished()
    # Exit 1 when a source failed, so scripts notice; what the others found is stored all the same.
    failed = any(
        source["error"] for summary in summaries for day in summary["days"] for source in day["sources"].values()
    )
    return 1 if failed else 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """One message per day on the collect queue; then the queue drains (locally through the relay)."""
    from hotpapers.core.clock import SystemClock
    from hotpapers.core.events import parse_collect_event
    from hotpapers.core.settings import Settings
    from hotpapers_local.backfill import (
        Progress,
        consumed_in_aws,
        days_between,
        enqueue_days,
        progress_bar,
        relay_collect_queue,
        watch_queue,
    )
    from hotpapers_local.relay import relay_collect_finished

    if args.to < args.first:
        print(f"error: --to {args.to} is before --from {args.first}", file=sys.stderr)
        return 2
    sources = [part.strip() for part in args.sources.split(",")] if args.sources else None
    today = SystemClock().now().date()
    for day in (args.first, args.to):  # the handler's own checks, before anything is enqueued
        parse_collect_event({"date": day.isoformat(), **({"sources": sources} if sources else {})}, today)
    days = days_between(args.first, args.to)

    _console_logging()
    from hotpapers.core.observability import logger

    logger.setLevel("WARNING")  # the progress bar is the display; a warning (a failed source) still shows
    with _aws():
        settings = Settings.from_env()
        enqueue_days(settings, days, sources)
        print(f"enqueued {len(days)} days ({args.first} .. {args.to}) on {settings.collect_queue}", file=sys.stderr)
        progress, show = Progress(total=len(days)), progress_bar()
        failed_sources: set[str] = set()

        def on_day(summary: dict[str, Any]) -> None:
            failed_sources.update(name for name, source in summary["sources"].items() if source["error"])

        if consumed_in_aws(settings):
            print(
                "the stack's event source mapping collects; watching the queue drain (Ctrl-C stops watching)",
                file=sys.stderr,
            )
            watch_queue(settings, progress, show)
        else:
            relay_collect_queue(settings, progress, show, on_day)
            if not args.no_publish:
                print(file=sys.stderr)
                relay_collect_finished()
        print(f"\n{progress.done} of {progress.total} days collected, {progress.failures} failed", file=sys.stderr)
        if progress.depth:
            print(
                f"{progress.depth} message(s) left in the queue: a failed day comes back after the queue's "
                "visibility timeout and holds back the days behind it",
                file=sys.stderr,
            )
        if failed_sources:
            print(f"sources that failed on some day: {', '.join(sorted(failed_sources))}", file=sys.stderr)
    return 1 if progress.failures or progress.depth or failed_sources else 0


def _publish_events(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.all:
        if args.date or args.to:
            raise SystemExit("error: --all rebuilds everything; give it without --date/--to")
        return [{"all": True}]
    if not args.date:
        raise SystemExit("error: give --date YYYY-MM-DD (with --to for a range) or --all")
    last = args.to or args.date
    if last < args.date:
        raise SystemExit(f"error: --to {last} is before --date {args.date}")
    return [
        {"date": start.isoformat()} if start == end else {"from": start.isoformat(), "to": end.isoformat()}
        for start, end in _days_chunks(args.date, last)
    ]


def cmd_publish(args: argparse.Namespace) -> int:
    from hotpapers_local.console import print_publish_summary
    from hotpapers_local.invoke import invoke

    events = _publish_events(args)
    _console_logging()
    with _aws():
        for event in events:
            print_publish_summary(invoke("publish", event, keep_stdout=False))
    return 0


@contextmanager
def _aws() -> Iterator[str]:
    """The configured endpoint, or a fresh embedded emulator provisioned from template.yaml."""
    from hotpapers.core.settings import Settings
    from hotpapers_local.emulator import aws_endpoint
    from hotpapers_local.provision import provision

    embedded = not os.environ.get("AWS_ENDPOINT_URL")
    with aws_endpoint() as endpoint:
        if embedded:
            provision(Settings.from_env())
            print(f"embedded AWS at {endpoint} (in memory, gone when this command ends)", file=sys.stderr)
        else:
            print(f"AWS endpoint: {endpoint}", file=sys.stderr)
        yield endpoint


def cmd_serve(args: argparse.Namespace) -> int:
    from hotpapers.core.settings import Settings
    from hotpapers.publish.handler import build_site_bucket
    from hotpapers_local.apigw import api_gateway_proxy
    from hotpapers_local.site_server import LocalServer

    with _aws() as endpoint:
        server = LocalServer(build_site_bucket(Settings.from_env()), api=api_gateway_proxy, port=args.port)
        print(f"serving the site from {endpoint} at {server.url} (API at {server.url}api/); Ctrl-C stops")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.stop()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from hotpapers_local.demo import run_demo

    _console_logging()
    return run_demo(port=args.port, serve=not args.no_serve)


def cmd_emulator(args: argparse.Namespace) -> int:
    import time

    from hotpapers_local.emulator import EmbeddedAws

    server = EmbeddedAws(args.port).start()
    print(f"embedded AWS (moto) listening on {server.url}")
    print(
        f"  export AWS_ENDPOINT_URL={server.url} AWS_ACCESS_KEY_ID=testing"
        " AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1"
    )
    print("  then: hotpapers provision && hotpapers collect --date YYYY-MM-DD   (Ctrl-C stops it; state is in memory)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


def cmd_cost(args: argparse.Namespace) -> int:
    """Offline: reads template.yaml and the settings only, never an AWS endpoint."""
    import json

    from hotpapers.core.settings import Settings, SettingsError
    from hotpapers_local.cost import CostSettings, estimate, render, with_overrides

    try:
        x_max_posts = Settings.from_env().x_max_posts  # parsed as the collector parses it
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = with_overrides(
        CostSettings(x_max_posts=x_max_posts),
        readers_per_day=args.readers_per_day,
        api_requests_per_day=args.api_requests_per_day,
        x_posts_per_day=args.x_posts_per_day,
        archive_days=args.archive_days,
        profile=args.day,
    )
    result = estimate(settings, args.template)
    print(json.dumps(result.to_dict(), indent=2) if args.json else render(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotpapers", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    provision = commands.add_parser("provision", help="create the table, bucket and bus that template.yaml defines")
    provision.add_argument("--template", type=lambda p: __import__("pathlib").Path(p), default=None)
    provision.set_defaults(func=cmd_provision)

    collect = commands.add_parser("collect", help="collect a day (or a range) through the real collector handler")
    collect.add_argument("--date", type=_day, required=True, help="the UTC day, YYYY-MM-DD")
    collect.add_argument("--to", type=_day, default=None, help="last day of a backfill, inclusive")
    collect.add_argument("--sources", default=None, help="comma list: x,bluesky,hackernews,huggingface")
    collect.add_argument(
        "--no-publish", action="store_true", help="do not hand the bus's Collect Finished events to the publisher"
    )
    collect.set_defaults(func=cmd_collect)

    backfill = commands.add_parser(
        "backfill", help="enqueue one message per day on the collect queue (any span) and watch it drain"
    )
    backfill.add_argument("--from", dest="first", type=_day, required=True, help="first UTC day, YYYY-MM-DD")
    backfill.add_argument("--to", type=_day, required=True, help="last UTC day, inclusive")
    backfill.add_argument("--sources", default=None, help="comma list: x,bluesky,hackernews,huggingface")
    backfill.add_argument(
        "--no-publish", action="store_true", help="locally, do not hand the Collect Finished events to the publisher"
    )
    backfill.set_defaults(func=cmd_backfill)

    publish = commands.add_parser("publish", help="rank and render days through the real publisher handler")
    publish.add_argument("--date", type=_day, default=None, help="the UTC day, YYYY-MM-DD")
    publish.add_argument("--to", type=_day, default=None, help="last day of a range, inclusive")
    publish.add_argument("--all", action="store_true", help="every collected day, and the whole archive")
    publish.set_defaults(func=cmd_publish)

    serve = commands.add_parser("serve", help="the site at / and the API at /api/ on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)

    demo = commands.add_parser("demo", help="the whole system offline: embedded AWS, a replayed sample day")
    demo.add_argument("--port", type=int, default=8000, help="port for the local site and API (0: any free port)")
    demo.add_argument("--no-serve", action="store_true", help="stop after publishing instead of serving the site")
    demo.set_defaults(func=cmd_demo)

    emulator = commands.add_parser("emulator", help="run the embedded AWS in the foreground for other commands")
    emulator.add_argument("--port", type=int, default=4577)
    emulator.set_defaults(func=cmd_emulator)

    def _count(value: str) -> int:
        if not value.isdigit():
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}")
        return int(value)

    cost = commands.add_parser("cost", help="the monthly AWS (and X) cost at the current settings, offline")
    cost.add_argument("--readers-per-day", type=_count, default=None, help="site readers a day (default 100)")
    cost.add_argument("--api-requests-per-day", type=_count, default=None, help="JSON API requests a day (default 100)")
    cost.add_argument(
        "--x-posts-per-day", type=_count, default=None, help="X posts a day, before HOTPAPERS_X_MAX_POSTS (24000)"
    )
    cost.add_argument("--archive-days", type=_count, default=None, help="days of data kept, for storage (default 365)")
    cost.add_argument("--day", choices=("typical", "heavy"), default="typical", help="measured day to scale from")
    cost.add_argument("--template", type=lambda p: __import__("pathlib").Path(p), default=None)
    cost.add_argument("--json", action="store_true", help="machine-readable output")
    cost.set_defaults(func=cmd_cost)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence: a clear message, non-zero exit
        from hotpapers.core.events import InvalidEvent
        from hotpapers.core.settings import SettingsError

        if isinstance(exc, (InvalidEvent, SettingsError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    raise SystemExit(main())
