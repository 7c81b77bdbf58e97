"""What each Lambda does with its event, behind the thin functions/*/app.py wrappers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .clock import Clock, SystemClock
from .events import CollectRequest, InvalidEvent, parse_collect_event, parse_publish_event
from .models import RunRecord
from .observability import logger, metrics
from .settings import Settings

if TYPE_CHECKING:
    from .collect import Collector
    from .publish import Publisher

CollectorFactory = Callable[[Settings, Clock, CollectRequest], "Collector"]


@contextmanager
def _logged_rejection(handler: str) -> Iterator[None]:
    """Log why an event was refused (one line, not the event: it may be 256 KB of garbage), then re-raise.

    Lambda records the uncaught InvalidEvent too, but only as a stack trace outside the structured log
    that the alarms and log queries read.
    """
    try:
        yield
    except InvalidEvent as error:
        logger.error("rejected a malformed event", extra={"handler": handler, "reason": str(error)})
        raise


def _default_collector(settings: Settings, clock: Clock, request: CollectRequest) -> Collector:
    from .wiring import build_collector

    return build_collector(settings, clock, sources=request.sources)


def collect(
    event: Any,
    settings: Settings | None = None,
    clock: Clock | None = None,
    make_collector: CollectorFactory = _default_collector,
) -> dict[str, Any]:
    """Parse the event first: a malformed one is rejected before anything is built or written."""
    clock = clock or SystemClock()
    with _logged_rejection("collect"):
        request = parse_collect_event(event, today=clock.now().date())
    settings = settings or Settings.from_env()
    logger.append_keys(trigger=request.trigger, days=[day.isoformat() for day in request.days])
    from .collect import summarize

    try:
        runs = make_collector(settings, clock, request).run(request)
    except Exception as exc:
        _failed("CollectFailures", "collect failed", exc)
        raise
    for run in runs:
        _emit_metrics(run)
    return summarize(runs)


def _emit_metrics(run: RunRecord) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():  # single_metric prints even then; honour the setting ourselves
        return

    for name, outcome in run.sources.items():
        # A dimension per source needs its own metric set; single_metric flushes each one.
        for metric, value in (("Posts", outcome.posts), ("Papers", outcome.papers), ("Failures", int(not outcome.ok))):
            with single_metric(name=metric, unit=MetricUnit.Count, value=value, namespace=metrics.namespace) as single:
                single.add_dimension(name="source", value=name)
    metrics.add_metric(name="PapersCollected", unit=MetricUnit.Count, value=run.papers)
    metrics.add_metric(name="PaperLookupFailures", unit=MetricUnit.Count, value=len(run.papers_failed))
    # Without a dimension, so one alarm watches every source.
    metrics.add_metric(name="SourceFailures", unit=MetricUnit.Count, value=len(run.failed_sources))


def _failed(metric: str, message: str, exc: Exception) -> None:
    """A run that raises (e.g. AWS refusing a write after botocore's retries) says so in one ERROR
    line with the cause, and in a metric of our namespace; the exception then fails the invocation
    (Lambda's Errors alarm, the async retry, the dead-letter queue). Before this, the only trace was
    the runtime's bare traceback (tests/reliability/test_aws_faults.py)."""
    from aws_lambda_powertools.metrics import MetricUnit

    logger.exception(message, extra={"error": f"{type(exc).__name__}: {exc}"})
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)


def _default_publisher(settings: Settings, clock: Clock) -> Publisher:
    from .wiring import build_publisher

    return build_publisher(settings, clock)


def publish(
    event: Any,
    settings: Settings | None = None,
    clock: Clock | None = None,
    make_publisher: Callable[[Settings, Clock], Publisher] = _default_publisher,
) -> dict[str, Any]:
    """Parse first: a malformed event is rejected before anything is read or written."""
    from aws_lambda_powertools.metrics import MetricUnit

    clock = clock or SystemClock()
    with _logged_rejection("publish"):
        request = parse_publish_event(event, today=clock.now().date())
    settings = settings or Settings.from_env()
    logger.append_keys(
        trigger=request.trigger, days=[day.isoformat() for day in request.days], everything=request.everything
    )
    try:
        result = make_publisher(settings, clock).run(request)
    except Exception as exc:
        _failed("PublishFailures", "publish failed", exc)
        raise
    metrics.add_metric(name="DigestsPublished", unit=MetricUnit.Count, value=len(result.days))
    metrics.add_metric(name="ObjectsUploaded", unit=MetricUnit.Count, value=result.objects_put)
    return result.to_dict()
