"""The one Logger and Metrics of the package (Powertools), shared by handlers and logic.

Powertools reads its own POWERTOOLS_* settings when these are built; our
settings and clients stay lazy. Tracer is left out on purpose: creating it
costs ~210 ms of cold start (aws_xray_sdk) and Lambda's active tracing
already records the invocation.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="hotpapers")
metrics = Metrics(namespace="HotPapers", service="hotpapers")


@contextmanager
def logged_rejection(handler: str) -> Iterator[None]:
    """Log why an event was refused (one line, not the event: it may be 256 KB of garbage), then re-raise.

    Lambda records the uncaught InvalidEvent too, but only as a stack trace outside the structured log
    that the alarms and log queries read.
    """
    from hotpapers.core.events import InvalidEvent

    try:
        yield
    except InvalidEvent as error:
        logger.error("rejected a malformed event", extra={"handler": handler, "reason": str(error)})
        raise


def record_failure(metric: str, message: str, exc: Exception) -> None:
    """A run that raises (e.g. AWS refusing a write after botocore's retries) says so in one ERROR
    line with the cause, and in a metric of our namespace; the exception then fails the invocation
    (Lambda's Errors alarm, the async retry, the dead-letter queue). Before this, the only trace was
    the runtime's bare traceback (tests/reliability/test_dynamodb_faults.py, test_s3_faults.py)."""
    from aws_lambda_powertools.metrics import MetricUnit

    logger.exception(message, extra={"error": f"{type(exc).__name__}: {exc}"})
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
