"""The one Logger and Metrics of the package (Powertools), shared by handlers and logic.

Powertools reads its own POWERTOOLS_* settings when these are built; our
settings and clients stay lazy. Tracer is left out on purpose: creating it
costs ~210 ms of cold start (aws_xray_sdk) and Lambda's active tracing
already records the invocation.
"""

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="hotpapers")
metrics = Metrics(namespace="HotPapers", service="hotpapers")
