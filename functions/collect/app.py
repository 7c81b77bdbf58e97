"""CollectFunction: collect a day's posts that link arXiv papers (from the collect queue, or by hand)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from hotpapers.collect import handler as collect_handler
from hotpapers.core.observability import logger, metrics


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    logger.set_correlation_id(context.aws_request_id)
    # The invocation's time budget goes down to the collector: a day that cannot finish in it is stored
    # so far and handed back (a batch item failure), instead of being cut off by Lambda and lost.
    return collect_handler.handle(event, remaining=lambda: context.get_remaining_time_in_millis() / 1000)
