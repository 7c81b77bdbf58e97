"""What template.yaml decides for the cost: memory sizes, alarms, dashboards, keys, secrets, polled queues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


# --- What the template decides --------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateFacts:
    memory_mb: dict[str, int]  # per function resource
    alarms: int
    dashboards: int
    kms_keys: int
    secrets: int
    polled_queues: dict[str, bool]  # queue resource -> FIFO, for each SQS event source of a function
    cdn: bool
    log_retention_days: int
    api_routes: int
    api_detailed_metrics: bool
    schedules: int


def _default(template: dict[str, Any], parameter: str, fallback: Any) -> Any:
    return template.get("Parameters", {}).get(parameter, {}).get("Default", fallback)


def _holds(template: dict[str, Any], condition: str) -> bool:
    """Whether a template condition holds at the parameters' defaults (what `sam deploy` creates unless told
    otherwise). An expression this does not know counts as true: the estimate errs on the costly side."""

    def value(node: Any) -> Any:
        if isinstance(node, dict) and "Ref" in node:
            return _default(template, node["Ref"], None)
        return node

    def evaluate(node: Any) -> bool:
        if not isinstance(node, dict) or len(node) != 1:
            return True
        ((function, args),) = node.items()
        if function == "Fn::Equals":
            return str(value(args[0])) == str(value(args[1]))
        if function == "Fn::Not":
            return not evaluate(args[0])
        if function == "Fn::And":
            return all(evaluate(arg) for arg in args)
        if function == "Fn::Or":
            return any(evaluate(arg) for arg in args)
        if function == "Condition":
            return evaluate(template.get("Conditions", {}).get(args, {}))
        return True

    return evaluate(template.get("Conditions", {}).get(condition, {}))


def _ref_name(value: Any) -> str | None:
    """The resource a !GetAtt X.Arn or !Ref X names."""
    if isinstance(value, dict):
        inner = value.get("Fn::GetAtt", value.get("Ref"))
        if isinstance(inner, str):
            return inner.split(".")[0]
        if isinstance(inner, list) and inner:
            return str(inner[0])
    return None


def template_facts(template: dict[str, Any]) -> TemplateFacts:
    resources: dict[str, Any] = template.get("Resources", {})
    global_memory = template.get("Globals", {}).get("Function", {}).get("MemorySize", 128)

    def of_type(kind: str) -> dict[str, dict[str, Any]]:
        return {
            name: res.get("Properties", {}) or {}
            for name, res in resources.items()
            if res.get("Type") == kind and ("Condition" not in res or _holds(template, res["Condition"]))
        }

    functions = of_type("AWS::Serverless::Function")
    memory = {name: int(props.get("MemorySize", global_memory)) for name, props in functions.items()}
    queues = of_type("AWS::SQS::Queue")
    polled: dict[str, bool] = {}
    routes = 0
    schedules = 0
    for props in functions.values():
        for event in (props.get("Events") or {}).values():
            kind = event.get("Type")
            if kind == "SQS":
                name = _ref_name(event.get("Properties", {}).get("Queue")) or "queue"
                polled[name] = bool(queues.get(name, {}).get("FifoQueue", False))
            elif kind == "Api":
                routes += 1
            elif kind in ("ScheduleV2", "Schedule"):
                schedules += 1
    schedules += len(of_type("AWS::Scheduler::Schedule"))
    detailed = any(
        setting.get("MetricsEnabled") is True
        for props in of_type("AWS::Serverless::Api").values()
        for setting in props.get("MethodSettings", []) or []
    )
    return TemplateFacts(
        memory_mb=memory,
        alarms=len(of_type("AWS::CloudWatch::Alarm")),
        dashboards=len(of_type("AWS::CloudWatch::Dashboard")),
        kms_keys=len(of_type("AWS::KMS::Key")),
        secrets=len(of_type("AWS::SecretsManager::Secret")),
        polled_queues=polled,
        cdn=str(_default(template, "EnableCdn", "false")).lower() == "true",
        log_retention_days=int(_default(template, "LogRetentionDays", 30)),
        api_routes=routes,
        api_detailed_metrics=detailed,
        schedules=schedules,
    )
