"""ApiFunction: the digests and papers as JSON, behind API Gateway (explicit routes)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from hotpapers.api.handler import handle
from hotpapers.core.observability import logger


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(event, context)
