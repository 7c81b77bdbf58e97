"""The benchmarks' shared measuring harness: timers, fresh-process baselines, the servers child, workers, reports."""

from __future__ import annotations

import gc
import importlib.metadata
import inspect
import io
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"  # git-ignored
RESULT_MARK = "BENCH-RESULT "  # a fresh process's result line: RESULT_MARK + JSON

# --------------------------------------------------------------------------------------- timers


def rss_now_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


class Measure:
    """Wall, CPU (process_time: user + system, all threads; getrusage splits it) and peak RSS of a block."""

    def __enter__(self) -> Measure:
        gc.collect()
        self.rss_before_mb = rss_now_mb()
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self._wall, time.process_time() - self._cpu
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.user, self.system = usage.ru_utime - self._usage.ru_utime, usage.ru_stime - self._usage.ru_stime
        self.maxrss_mb = usage.ru_maxrss / 1024

    def figures(self) -> dict[str, float]:
        return {"wall_s": self.wall, "cpu_s": self.cpu, "cpu_user_s": self.user, "cpu_system_s": self.system,
                "rss_before_mb": self.rss_before_mb, "maxrss_after_mb": self.maxrss_mb}  # fmt: skip


class PhaseTimer:
    """CPU seconds inside chosen functions: process_time() around each call (~1 µs), undone on exit.

    `label` is a string or a function of the call's arguments; `capture` keeps the call's first argument.
    A staticmethod stays static; a name the product code no longer has is skipped (time what exists).
    """

    def __init__(self) -> None:
        self.cpu, self.calls, self.captured = Counter[str](), Counter[str](), dict[str, Any]()
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, label: str | Callable[..., str], capture: str | None = None) -> None:
        if not hasattr(owner, name):
            return
        raw = inspect.getattr_static(owner, name)
        static = isinstance(raw, staticmethod)
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            key = label(args) if callable(label) else label
            if capture:
                self.captured[capture] = args[0 if static else 1]
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.cpu[key] += time.process_time() - started
                self.calls[key] += 1

        setattr(owner, name, staticmethod(timed) if static else timed)
        self._undo.append((owner, name, raw))

    def replace(self, owner: Any, name: str, value: Any) -> None:
        """Put `value` in place of owner.name until restore() (for timers this class cannot express)."""
        self._undo.append((owner, name, inspect.getattr_static(owner, name)))
        setattr(owner, name, value)

    def restore(self) -> None:
        for owner, name, raw in reversed(self._undo):
            setattr(owner, name, raw)
        self._undo.clear()

    def __enter__(self) -> PhaseTimer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def phases(self, top: tuple[str, ...], nested: tuple[str, ...], total_cpu: float, other: str) -> dict[str, float]:
        """CPU per phase: the top-level ones, `other` (total minus them), then the nested parts."""
        figures = {key: self.cpu.get(key, 0.0) for key in top}
        figures[other] = total_cpu - sum(figures.values())
        return figures | {key: self.cpu.get(key, 0.0) for key in nested}


class WireCounter:
    """Every HTTP request boto3 clients send, per "service.Operation", retries included (botocore's before-send)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, client: Any, service: str) -> WireCounter:
        client.meta.events.register(f"before-send.{service}", self._on_send)
        return self

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        with self._lock:
            self.counts[event_name.split(".", 1)[-1]] += 1

    def take(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self.counts)
            self.counts.clear()
        return counts


def counted_clients(*services: str) -> tuple[Any, WireCounter, dict[str, Any]]:
    """Settings, and the very boto3 clients the product code uses (aws.client caches them), counted on the wire."""
    from hotpapers.core import aws
    from hotpapers.core.settings import Settings

    s, wire = Settings.from_env(), WireCounter()
    found = {name: aws.client(name, s.endpoint_url, s.region, **({"parameter_validation": False}
             if name == "dynamodb" else {})) for name in services}  # the store's client does not validate  # fmt: skip
    for name, client in found.items():
        wire.attach(client, name)
    return s, wire, found


def sleepless_clock() -> Any:
    """System time, but sleep() only adds the seconds up, per caller, and moves now()/monotonic() on by them:
    every wait is computed as in a real run (arXiv's client waits 3 s minus the time since its last request)."""
    from hotpapers.core.clock import SystemClock

    class SleeplessClock(SystemClock):
        def __init__(self) -> None:
            self.slept, self.by_caller, self.calls = 0.0, Counter[str](), Counter[str]()

        def now(self) -> datetime:
            return datetime.now(UTC) + timedelta(seconds=self.slept)

        def monotonic(self) -> float:
            return time.monotonic() + self.slept

        def sleep(self, seconds: float) -> None:
            if seconds > 0:
                frame = sys._getframe(1)
                caller = f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}"
                self.slept += seconds
                self.by_caller[caller] += seconds
                self.calls[caller] += 1

    return SleeplessClock()


def profiled(call: Callable[[], Any], path: Path | None = None, limit: int = 15) -> dict[str, Any]:
    """One call under cProfile (its default wall-clock timer: a CPU timer inflates the profile tenfold)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    with Measure() as measured:
        profiler.runcall(call)
    found: dict[str, Any] = {"cpu_s_under_profiler": measured.cpu}
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(limit)
        found[order] = stream.getvalue()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        pstats.Stats(profiler).dump_stats(path)
        found["file"] = str(path.relative_to(ROOT))
    return found


def traced(call: Callable[[], Any]) -> dict[str, Any]:
    """One call under tracemalloc: the peak of Python allocations, and the biggest sites still held at its end."""
    import tracemalloc

    tracemalloc.start()
    try:
        call()
        top = tracemalloc.take_snapshot().statistics("lineno")[:12]
        return {"tracemalloc_peak_mb": tracemalloc.get_traced_memory()[1] / 2**20,
                "top": [f"{s.size / 2**20:7.1f} MB {s.count:9d} blocks  {s.traceback[0]}" for s in top]}  # fmt: skip
    finally:
        tracemalloc.stop()


# ----------------------------------------------------------------------------------- statistics


def ratio(value: float, base: float) -> float | None:
    return value / base if base else None


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1] if ordered else float("nan")


def summarise_ns(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    quantiles = {f"p{q}_ms": percentile(ordered, q) / 1e6 for q in (50, 90, 99)}
    return {"n": len(ordered), **quantiles, "max_ms": ordered[-1] / 1e6, "mean_ms": statistics.fmean(ordered) / 1e6}


# ------------------------------------------------------------------------------ fresh processes


def run_snippet(code: str, env: dict[str, str], flags: tuple[str, ...] = ()) -> tuple[float, dict[str, Any], str]:
    """`python -c code` in a fresh interpreter: wall ms from before the exec to its exit, its result line, stderr."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *flags, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    wall_ms = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"fresh process failed ({done.returncode}):\n{done.stderr[-3000:]}")
    found = [line[len(RESULT_MARK) :] for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    return wall_ms, json.loads(found[-1]) if found else {}, done.stderr


def interleaved(snippets: dict[str, str], env: dict[str, str], runs: int) -> dict[str, dict[str, Any]]:
    """Each snippet once as a warm-up, then `runs` rounds whose order rotates, so drift hits each alike."""
    names = list(snippets)
    found: dict[str, dict[str, Any]] = {name: {"walls": [], "inside": []} for name in names}
    for name in names:
        run_snippet(snippets[name], env)  # bytecode and file caches
    for round_number in range(runs):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            wall, result, _ = run_snippet(snippets[name], env)
            found[name]["walls"].append(wall)
            found[name]["inside"].append(result)
    for row in found.values():
        row["process_ms"] = statistics.median(row["walls"])
    return found


def importtime(code: str, env: dict[str, str]) -> list[tuple[int, float, float, str]]:
    """One run under `python -X importtime`: (depth, self ms, cumulative ms, module), children before parents.
    The instrumentation inflates every figure a little: read them as shares."""
    rows = []
    for line in run_snippet(code, env, ("-X", "importtime"))[2].splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            head, cumulative, name = line.split("|")
            depth = (len(name) - len(name.lstrip()) - 1) // 2
            rows.append((depth, int(head.removeprefix("import time:")) / 1000, int(cumulative) / 1000, name.strip()))
    return rows


# ------------------------------------------------------------------------------ child processes


class Servers:
    """bench/servers.py in a child process (moto and the fake upstreams: their CPU is not ours), in JSON lines."""

    def __init__(self, *args: str, quiet: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "servers.py"), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if quiet else None, text=True, cwd=ROOT,
        )  # fmt: skip
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench/servers.py exited early (code {self.proc.poll()})")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"bench/servers.py: {answer['error']}")
        return answer

    def ask(self, cmd: str, **arguments: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **arguments}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def cpu(self) -> float:
        """The child's CPU seconds so far (user + system)."""
        return self.ask("cpu")["cpu_s"]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ask("quit")
                self.proc.wait(timeout=60)
            except (OSError, RuntimeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Worker:
    """`script --worker NAME --out FILE ...` in a fresh process: its CPU and peak RSS are its own (one invocation)."""

    def __init__(self, script: str, name: str, env: dict[str, str], *args: str) -> None:
        self.name, self.out = name, RESULTS / f".worker-{os.getpid()}-{name}.json"
        self.out.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, script, "--worker", name, "--out", str(self.out), *args]
        self.proc = subprocess.Popen(command, env=env, cwd=ROOT)

    def result(self) -> dict[str, Any]:
        try:
            code = self.proc.wait()
        finally:
            if self.proc.poll() is None:  # interrupted: do not leave it running
                self.proc.terminate()
                self.proc.wait()
        if code != 0:
            raise RuntimeError(f"worker {self.name} failed (exit {code})")
        result = json.loads(self.out.read_text(encoding="utf-8"))
        self.out.unlink()
        return result


def names(label: str) -> dict[str, str]:
    """A table, bucket and bus of one's own."""
    name = f"bench-{os.getpid()}-{label}"
    return {"HOTPAPERS_TABLE": name, "HOTPAPERS_BUCKET": name, "HOTPAPERS_EVENT_BUS": name}


def provision_env(env: dict[str, str]) -> None:
    from hotpapers.core.settings import Settings
    from hotpapers_local.provision import provision

    provision(Settings.from_env(env))


# --------------------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    """When and on what the figures were measured."""
    with open("/proc/cpuinfo", encoding="utf-8") as cpus, open("/proc/meminfo", encoding="ascii") as memory:
        info = {
            "cpu_model": next(ln.split(":", 1)[1].strip() for ln in cpus if ln.startswith("model name")),
            "mem_gb": next(int(ln.split()[1]) / 2**20 for ln in memory if ln.startswith("MemTotal:")),
        }
    packages = ("boto3", "botocore", "moto", "requests", "feedparser", "jinja2", "aws-lambda-powertools", "pydantic")
    return {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpus": os.cpu_count(), **info,
            "load_average": os.getloadavg(), "python": platform.python_version(), "platform": platform.platform(),
            "packages": {package: importlib.metadata.version(package) for package in packages}}  # fmt: skip


def header(title: str, meta: dict[str, Any]) -> None:
    print(f"\n{title}  {meta['when']}  ({meta['cpus']} CPUs {meta['cpu_model']}, Python {meta['python']}, "
          f"load {meta['load_average'][0]:.1f} at start)")  # fmt: skip


def table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A plain text table: figures right-aligned, text (and the first column) left-aligned, numbers as given."""
    cells = [[str(cell) for cell in row] for row in [columns, *rows]]
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(len(columns))]
    figure = lambda i, cell: i and (cell[:1].isdigit() or cell[:1] in "-." or cell in columns[i:])  # noqa: E731
    print(f"\n{title}")
    for row in cells:
        print("  " + "  ".join(c.rjust(widths[i]) if figure(i, c) else c.ljust(widths[i]) for i, c in enumerate(row)))


class Checks(list):
    """PASS/FAIL lines: "target" checks are the issue's targets, "valid" ones say the run measured what it should."""

    def add(self, name: str, ok: bool, detail: str, kind: str = "target") -> None:
        self.append({"name": name, "kind": kind, "pass": bool(ok), "detail": detail})


def finish(report: dict[str, Any], path: Path) -> int:
    """The report's tail: the checks, the JSON results file, and the exit status (1 when a check failed)."""
    print("\nChecks")
    for item in report["checks"]:
        print(f"  {'PASS' if item['pass'] else 'FAIL'}  {item['name']:<62} {item['detail']}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {path}")
    failed = [item["name"] for item in report["checks"] if not item["pass"]]
    print(f"FAILED: {'; '.join(failed)}" if failed else "all targets met")
    return 1 if failed else 0
