"""Run the real Lambda handlers (functions/<name>/app.py) in this process, with real event shapes."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalLambdaContext:
    """The attributes Powertools and our handlers read from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 1024
    timeout_seconds: int = 900
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


@cache
def load_handler(function: str) -> Callable[[Any, Any], Any]:
    path = PROJECT_ROOT / "functions" / function / "app.py"
    if not path.is_file():
        raise FileNotFoundError(f"no handler at {path}: run the hotpapers command from a clone of the project")
    spec = importlib.util.spec_from_file_location(f"functions_{function}_app", path)
    assert spec and spec.loader
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.lambda_handler


def invoke(function: str, event: Any, keep_stdout: bool = True) -> Any:
    """Call the handler as Lambda would. Lambda sends stdout (EMF metric blobs) to CloudWatch;
    a terminal user has no use for them, so the CLI passes keep_stdout=False."""
    context = LocalLambdaContext(function_name=f"hotpapers-{function}")
    if keep_stdout:
        return load_handler(function)(event, context)
    with contextlib.redirect_stdout(io.StringIO()):
        return load_handler(function)(event, context)
