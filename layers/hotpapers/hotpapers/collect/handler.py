"""The collect stage's entry: parse the event, build the collector from settings, run it, emit metrics.

`functions/collect/app.py` calls `handle`. Two kinds of event arrive: a direct one ({"date"}, {"from","to"},
a scheduler event) and, from the collect queue's event source mapping, an SQS event whose records each
name one day; for those the answer carries `batchItemFailures` (ReportBatchItemFailures), so a day that
failed or ran out of time comes back after the queue's visibility timeout and the others are deleted.
Each builder imports what only it needs, so the collector's HTTP and feed-parsing libraries stay out of
the other functions' cold starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hotpapers.core.clock import Clock, SystemClock
from hotpapers.core.events import CollectRequest, InvalidEvent, is_sqs_event, parse_collect_event, sqs_records
from hotpapers.core.observability import logged_rejection, logger, metrics, record_failure
from hotpapers.core.settings import Credentials, Settings

if TYPE_CHECKING:
    from hotpapers.collect.collector import Collector, Remaining
    from hotpapers.collect.sources.base import Source
    from hotpapers.core.models import RunRecord

Progress = Callable[[str], None]
CollectorFactory = Callable[[Settings, Clock, CollectRequest], "Collector"]


def _default_collector(settings: Settings, clock: Clock, request: CollectRequest) -> Collector:
    return build_collector(settings, clock, sources=request.sources)


def handle(
    event: Any,
    settings: Settings | None = None,
    clock: Clock | None = None,
    make_collector: CollectorFactory = _default_collector,
    remaining: Remaining | None = None,
) -> dict[str, Any]:
    """Parse the event first: a malformed one is rejected before anything is built or written.

    `remaining` gives the seconds left in this invocation (functions/collect/app.py passes the Lambda
    context's); a day that cannot finish in them is stored so far and resumed by its next run.
    """
    from hotpapers.collect.collector import summarize

    clock = clock or SystemClock()
    if is_sqs_event(event):
        return _handle_queue(event, settings, clock, make_collector, remaining)
    with logged_rejection("collect"):
        request = parse_collect_event(event, today=clock.now().date())
    settings = settings or Settings.from_env()
    logger.append_keys(trigger=request.trigger, days=[day.isoformat() for day in request.days])
    try:
        collector = make_collector(settings, clock, request)
        collector.remaining = remaining
        runs = collector.run(request)
    except Exception as exc:
        # A direct invocation that ran out of time raises too: its asynchronous retry resumes the day.
        record_failure("CollectFailures", "collect failed", exc)
        raise
    for run in runs:
        _emit_metrics(run)
    return summarize(runs)


def _handle_queue(
    event: Any,
    settings: Settings | None,
    clock: Clock,
    make_collector: CollectorFactory,
    remaining: Remaining | None,
) -> dict[str, Any]:
    """One day per record (the mapping's BatchSize is 1; more are handled in order all the same).

    Every record that did not finish is a batch item failure: SQS makes it visible again after the
    visibility timeout (a re-run resumes it), and after maxReceiveCount moves it to the dead-letter queue.
    A malformed body is one too: it can never succeed, and the dead-letter queue is where an operator
    sees it. After the first failure the rest of the batch is not started: in a FIFO message group, a
    later day must not be deleted while an earlier one is still to come back (AWS's rule for FIFO batches).
    Powertools' SqsFifoPartialProcessor applies that rule and builds the partial batch response.
    """
    from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from hotpapers.collect.collector import DayInterrupted, summarize
    from hotpapers.core.events import SqsRecord, parse_collect_record

    with logged_rejection("collect"):
        sqs_records(event)  # a broken envelope is refused whole: it has no message id to report a failure under
    settings = settings or Settings.from_env()
    runs: list[RunRecord] = []

    def collect_day(record: SQSRecord) -> None:
        """Collect the day `record` names; raising makes it (and every later record) a batch item failure."""
        try:
            request = parse_collect_record(SqsRecord(record.message_id, record.body), today=clock.now().date())
        except InvalidEvent as error:
            reason = str(error)
            logger.warning("rejected a malformed message", extra={"message_id": record.message_id, "reason": reason})
            raise
        logger.append_keys(trigger=request.trigger, days=[day.isoformat() for day in request.days])
        try:
            collector = make_collector(settings, clock, request)
            collector.remaining = remaining
            runs.extend(collector.run(request))
        except DayInterrupted:  # planned: stored so far, logged by the collector; the message comes back
            raise
        except Exception as exc:
            record_failure("CollectFailures", "collect failed", exc)
            raise

    processor = SqsFifoPartialProcessor()
    # A batch whose every day failed is answered with its item failures, like any other, rather than
    # raised: the invocation then is no Lambda error, and the days come back through SQS all the same.
    processor.raise_on_entire_batch_failure = False
    with processor(records=event["Records"], handler=collect_day):
        processor.process()
    for run in runs:
        _emit_metrics(run)
    return {**processor.response(), **summarize(runs)}


def _emit_metrics(run: RunRecord) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():  # single_metric prints even then; honour the setting ourselves
        return

    for name, outcome in run.sources.items():
        # A dimension per source needs its own metric set; single_metric flushes each one.
        counts = [("Posts", outcome.posts), ("Papers", outcome.papers), ("Failures", int(not outcome.ok))]
        if outcome.read is not None:  # X: the posts it billed
            counts.append(("PostsRead", outcome.read))
        for metric, value in counts:
            with single_metric(name=metric, unit=MetricUnit.Count, value=value, namespace=metrics.namespace) as single:
                single.add_dimension(name="source", value=name)
    metrics.add_metric(name="PapersCollected", unit=MetricUnit.Count, value=run.papers)
    metrics.add_metric(name="PaperLookupFailures", unit=MetricUnit.Count, value=len(run.papers_failed))
    if run.papers_without_metadata is not None:
        # The papers the repair looked at still without metadata after this run: the alarm's metric.
        metrics.add_metric(name="PapersWithoutMetadata", unit=MetricUnit.Count, value=run.papers_without_metadata)
    # Without a dimension, so one alarm watches every source.
    metrics.add_metric(name="SourceFailures", unit=MetricUnit.Count, value=len(run.failed_sources))


_contact_warned = False


def warn_if_no_contact(settings: Settings) -> None:
    """In AWS without HOTPAPERS_CONTACT, say so once per cold start (not once per day collected)."""
    global _contact_warned
    if settings.contact or not settings.in_lambda or _contact_warned:
        return
    _contact_warned = True
    logger.warning(
        "HOTPAPERS_CONTACT is not set: arXiv and Bluesky get a User-Agent without a contact address; "
        "set the stack's Contact parameter so they can reach you before they block the collector"
    )


def build_sources(
    settings: Settings, credentials: Credentials, clock: Clock, wanted: tuple[str, ...]
) -> tuple[dict[str, Source], dict[str, str]]:
    """The enabled sources, and the ones that cannot run (with why)."""
    from hotpapers.core.http import HttpClient, user_agent

    sources: dict[str, Source] = {}
    unavailable: dict[str, str] = {}
    for name in wanted:
        if not credentials.has(name):
            unavailable[name] = "no credentials configured"
            continue
        # One per source, so request counts stay separate. Bluesky asks bulk clients to identify
        # themselves: it gets the contact address too.
        agent = user_agent(settings.contact if name == "bluesky" else None)
        http = HttpClient(clock=clock, timeout=settings.http_timeout, user_agent=agent)
        if name == "x":
            from hotpapers.collect.sources.x import XSource

            sources[name] = XSource(
                http, settings.x_api_url, credentials.x_bearer_token or "", clock, max_posts=settings.x_max_posts
            )
        elif name == "bluesky":
            from hotpapers.collect.sources.bluesky import BlueskySource

            sources[name] = BlueskySource(
                http, settings.bsky_api_url, credentials.bsky_handle or "", credentials.bsky_app_password or ""
            )
        elif name == "hackernews":
            from hotpapers.collect.sources.hackernews import HackerNewsSource

            sources[name] = HackerNewsSource(http, settings.hn_api_url)
        elif name == "huggingface":
            from hotpapers.collect.sources.huggingface import HuggingFaceSource

            sources[name] = HuggingFaceSource(http, settings.hf_api_url)
    return sources, unavailable


def build_collector(
    settings: Settings,
    clock: Clock | None = None,
    sources: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> Collector:
    """The collector with its real dependencies, from settings."""
    from hotpapers.collect.arxiv import ArxivClient
    from hotpapers.collect.bus import publish_collect_finished, put_collect_finished
    from hotpapers.collect.collector import Collector
    from hotpapers.collect.repair import MetadataRepair
    from hotpapers.core.aws import client
    from hotpapers.core.credentials import load_credentials
    from hotpapers.core.http import HttpClient, RetryPolicy, user_agent
    from hotpapers.core.store import build_store

    clock = clock or SystemClock()
    warn_if_no_contact(settings)
    credentials = load_credentials(settings)
    wanted = sources or settings.enabled_sources(credentials)
    built, unavailable = build_sources(settings, credentials, clock, wanted)
    arxiv = ArxivClient(
        # Retries honour arXiv's spacing too: never sooner than the mandated interval.
        HttpClient(
            clock=clock,
            policy=RetryPolicy(base_delay=max(1.0, settings.arxiv_min_interval)),
            timeout=settings.http_timeout,
            # arXiv asks for a User-Agent with a contact address.
            user_agent=user_agent(settings.contact),
        ),
        settings.arxiv_api_url,
        clock,
        min_interval=settings.arxiv_min_interval,
        batch_size=settings.arxiv_batch_size,
    )
    events = client("events", settings.endpoint_url, settings.region)
    store = build_store(settings, clock)
    return Collector(
        sources=built,
        arxiv=arxiv,
        store=store,
        clock=clock,
        announce=lambda run: publish_collect_finished(events, settings.event_bus, run, sleep=clock.sleep),
        repair=MetadataRepair(
            store,
            arxiv,
            clock,
            announce=lambda detail: put_collect_finished(events, settings.event_bus, detail, sleep=clock.sleep),
            max_papers=settings.repair_max_papers,
        ),
        progress=progress or (lambda message: logger.info(message)),
        unavailable=unavailable,
    )
