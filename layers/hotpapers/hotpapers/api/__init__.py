"""Stage 3, the JSON API: routes, the OpenAPI document and the Lambda entry behind API Gateway."""
