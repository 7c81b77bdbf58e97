"""`hotpapers cost`: the monthly AWS (and X) cost at the current settings, from counted requests.

An operator's tool, not deployed logic. Per-day usage of each AWS service (measured request counts,
durations and bytes: see the two `DayProfile`s below) times the published us-east-1 prices, times
30.4 days. What the template decides is read from template.yaml itself (each function's MemorySize,
the alarms, dashboards, KMS keys, secrets, queues polled by Lambda, the CDN switch, log retention,
the API's detailed metrics), so changing the template changes the estimate. Works offline.

Every figure is a module-level constant with where it comes from; docs/operations.md ("Cost")
explains them and what changes them.
"""

from hotpapers_local.cost.estimate import Estimate, Line, estimate, with_overrides
from hotpapers_local.cost.figures import *  # noqa: F403  (the model's named figures, for tests and scripts)
from hotpapers_local.cost.figures import CostSettings
from hotpapers_local.cost.render import render
from hotpapers_local.cost.template import TemplateFacts, template_facts

__all__ = [
    "CostSettings",
    "Estimate",
    "Line",
    "TemplateFacts",
    "estimate",
    "render",
    "template_facts",
    "with_overrides",
]
