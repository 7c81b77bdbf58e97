"""CollectFunction: collect a day's posts that link arXiv papers (scheduled daily, or by hand)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from hotpapers.collect import handler as collect_handler
from hotpapers.core.observability import logger, metrics


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    logger.set_correlation_id(context.aws_request_id)
    return collect_handler.handle(event)
