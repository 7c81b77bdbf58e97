"""PublishFunction: rank a collected day, store its digest, render the site into S3."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from hotpapers.core.observability import logger, metrics
from hotpapers.publish import handler as publish_handler


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    logger.set_correlation_id(context.aws_request_id)
    return publish_handler.handle(event)
