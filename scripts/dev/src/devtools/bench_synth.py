#!/usr/bin/env python3
"""Benchmark: synthesis time of the Python app against an equivalent plain JavaScript CDK app.

For each size (1, 1,000 and 5,000 principals by default) the script writes a
configuration, synthesizes it with the Python app (``app.py``) and with the JavaScript app in
``bench/js-app`` (the same roles, stacks and cdk-nag checks with ``aws-cdk-lib`` from npm), and
prints the median wall time of each, the stack count and the largest template's resources,
outputs and bytes read from the cloud assembly, the ratio Python/JS, and the marginal cost
per principal. Runs of the two apps are interleaved (their order alternates between repeats)
so that load from other work on the machine falls on both alike.

Two ways to run an app (``--mode``):

- ``cli`` (default): ``cdk synth --quiet -o DIR`` with the pinned CDK CLI, as ``make synth``
  does: what a user waits for, CLI start-up and assembly checks included.
- ``app``: the app command of each cdk.json alone (``python -O app.py`` / ``node app.js``), with
  the ``CDK_OUTDIR`` and ``CDK_CONTEXT_JSON`` that the CLI would pass: the apps without the CLI's
  constant cost, which otherwise dilutes the ratio.

Then it reports where the time goes, for one size (``--profile-size``): each app is run once
more with timing hooks (and once more without cdk-nag, to tell its cost), and the Python run
counts its calls into the jsii kernel. ``--cprofile`` adds the Python functions with the most
own time.

Each app runs with its own settings: the Python app without creation stack traces (in a
Python app they hold only jsii's JavaScript frames), the JS app with them (the CDK's default;
they name lines of app.js). ``--js-without-creation-stacks`` turns them off in the JS app too.

Usage: ``python -m devtools.bench_synth [--sizes 1,100] [--repeat N] [--mode cli|app|both]``
(``make bench-synth``). The JS app is installed with ``npm ci`` on first use.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import pstats
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from developer_roles.config.layout import (
    MAX_OUTPUTS,
    MAX_RESOURCES,
    MAX_TEMPLATE_BYTES,
    ROLES_PER_SHARD_TARGET,
    ROLES_PER_STACK,
)

REPO = Path(__file__).resolve().parents[4]

JS_APP = REPO / "bench" / "js-app"
VENV_BIN = REPO / ".venv" / "bin"
CDK_CLI = REPO / "node_modules" / ".bin" / "cdk"
ACCOUNT = "123456789012"
DEFAULT_SIZES = (1, 1000, 5000)
DEFAULT_QUOTA = 1000
TARGET_SIZE = 1000  # the size whose run shows where the time goes
TARGET_SIZES = (1000, 5000)
TARGET_RATIO = 1.0
# Keys the CDK CLI adds to the context it passes to an app (see ``cdk synth``'s
# CDK_CONTEXT_JSON); --mode app passes the same.
CLI_CONTEXT: Mapping[str, object] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:disable-version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
}
APPS = ("python", "js")


class BenchError(Exception):
    """A setup step or a synthesis failed; the message says which and why."""


# ---------------------------------------------------------------------------------------------
# Configurations, environment and commands


def config_for(size: int) -> dict[str, object]:
    """``size`` principals; above IAM's default quota the configuration raises it (at most
    5,000), as the README tells users to do."""
    config: dict[str, object] = {
        "account": ACCOUNT,
        "principals": [f"arn:aws:iam::{ACCOUNT}:user/dev{i:05d}" for i in range(size)],
    }
    if size > DEFAULT_QUOTA:
        config["maxRolesPerAccount"] = max(size, 5000)
    return config


def write_config(size: int, directory: Path) -> Path:
    path = directory / f"principals-{size}.json"
    path.write_text(json.dumps(config_for(size)), encoding="utf-8")
    return path


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for both apps: the venv's Node.js first, no AWS credentials needed."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), str(CDK_CLI.parent), env.get("PATH", "")])
    env["CDK_DISABLE_VERSION_CHECK"] = "1"
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env.setdefault("CDK_DEFAULT_REGION", "us-east-1")
    env.pop("CDK_OUTDIR", None)
    env.pop("CDK_CONTEXT_JSON", None)
    env.update(extra or {})
    return env


def layout_context() -> dict[str, int]:
    """The Python app's stack-spreading parameters, passed to the JS app so both spread alike."""
    return {
        "benchRolesPerStack": ROLES_PER_STACK,
        "benchRolesPerShardTarget": ROLES_PER_SHARD_TARGET,
    }


def app_dir(app: str) -> Path:
    return REPO if app == "python" else JS_APP


@functools.cache
def cdk_json(app: str) -> Mapping[str, Any]:
    """The app's cdk.json, read once per benchmark."""
    settings: Mapping[str, Any] = json.loads(
        (app_dir(app) / "cdk.json").read_text(encoding="utf-8")
    )
    return settings


def app_context(app: str, config: Path, layout: Mapping[str, int]) -> dict[str, object]:
    """The context the CLI would give the app: its cdk.json context, -c values, CLI keys."""
    context: dict[str, object] = dict(cdk_json(app).get("context", {}))
    context["developerRolesFile"] = str(config)
    if app == "js":
        context.update(layout)
    context.update(CLI_CONTEXT)
    return context


@dataclass(frozen=True)
class Command:
    argv: list[str]
    cwd: Path
    env: dict[str, str]


def synth_command(
    app: str,
    mode: str,
    config: Path,
    outdir: Path,
    layout: Mapping[str, int],
    extra_env: Mapping[str, str] | None = None,
) -> Command:
    if mode == "cli":
        argv = [str(CDK_CLI), "synth", "--quiet", "-o", str(outdir)]
        argv += ["-c", f"developerRolesFile={config}"]
        if app == "js":
            for key, value in layout.items():
                argv += ["-c", f"{key}={value}"]
        return Command(argv, app_dir(app), tool_env(extra_env))
    env = tool_env(extra_env)
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps(app_context(app, config, layout))
    return Command(app_command(app), app_dir(app), env)


def app_command(app: str) -> list[str]:
    """The ``app`` command of the app's cdk.json, as the CLI would run it (Python: ``-O``)."""
    argv = shlex.split(cdk_json(app)["app"])
    if argv[0] == "node":
        argv[0] = str(VENV_BIN / "node")
    return argv


def run(command: Command, what: str) -> float:
    """Run to completion; the wall time in seconds, or a :class:`BenchError` with the output."""
    started = time.perf_counter()
    result = subprocess.run(
        command.argv,
        cwd=command.cwd,
        env=command.env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise BenchError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return elapsed


def ensure_setup() -> None:
    """The CDK CLI from the main toolchain, and the JS app's packages (``npm ci`` once)."""
    if not CDK_CLI.exists() or not (VENV_BIN / "node").exists():
        raise BenchError("the toolchain is not set up: run `make setup` first")
    if (JS_APP / "node_modules" / "aws-cdk-lib" / "package.json").exists():
        return
    print("installing the JS app's packages (npm ci in bench/js-app)...", file=sys.stderr)
    command = Command(
        [str(VENV_BIN / "npm"), "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        JS_APP,
        tool_env(),
    )
    run(command, "npm ci in bench/js-app")


# ---------------------------------------------------------------------------------------------
# The cloud assembly


@dataclass(frozen=True)
class TemplateStats:
    stack: str
    resources: int
    outputs: int
    bytes: int


@dataclass(frozen=True)
class AssemblyStats:
    stacks: tuple[TemplateStats, ...]
    templates: Mapping[str, object] = field(repr=False)

    @property
    def largest(self) -> TemplateStats:
        return max(self.stacks, key=lambda s: (s.bytes, s.resources, s.outputs))

    @property
    def within_limits(self) -> bool:
        return all(
            s.resources <= MAX_RESOURCES
            and s.outputs <= MAX_OUTPUTS
            and s.bytes <= MAX_TEMPLATE_BYTES
            for s in self.stacks
        )


def read_assembly(outdir: Path) -> AssemblyStats:
    """Every CloudFormation stack the manifest lists, with its template's size."""
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    stats: list[TemplateStats] = []
    templates: dict[str, object] = {}
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        path = outdir / artifact["properties"]["templateFile"]
        raw = path.read_bytes()
        template = json.loads(raw)
        templates[name] = template
        stats.append(
            TemplateStats(
                name,
                len(template.get("Resources", {})),
                len(template.get("Outputs", {})),
                len(raw),
            )
        )
    if not stats:
        raise BenchError(f"no CloudFormation stack in {outdir / 'manifest.json'}")
    return AssemblyStats(tuple(stats), templates)


def first_difference(left: Mapping[str, object], right: Mapping[str, object]) -> str | None:
    """``None`` when both assemblies hold the same stacks with equal templates."""
    if sorted(left) != sorted(right):
        return f"stacks differ: {sorted(left)[:3]}... vs {sorted(right)[:3]}..."
    for name in sorted(left):
        if left[name] != right[name]:
            return f"template {name} differs"
    return None


# ---------------------------------------------------------------------------------------------
# The timed runs


@dataclass
class SizeResult:
    size: int
    times: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in APPS})
    assembly: AssemblyStats | None = None
    same_templates: str = "?"

    def median(self, app: str) -> float:
        return statistics.median(self.times[app])


def measure(
    sizes: Sequence[int], repeat: int, mode: str, workdir: Path, layout: Mapping[str, int]
) -> list[SizeResult]:
    results = {size: SizeResult(size) for size in sizes}
    configs = {size: write_config(size, workdir) for size in sizes}
    for round_ in range(repeat):
        for size in sizes:
            order = APPS if (round_ + size) % 2 == 0 else APPS[::-1]
            outdirs: dict[str, Path] = {}
            for app in order:
                outdir = workdir / f"{mode}-{app}-{size}-{round_}"
                command = synth_command(app, mode, configs[size], outdir, layout)
                elapsed = run(command, f"{app} app, {size} principals ({mode})")
                results[size].times[app].append(elapsed)
                outdirs[app] = outdir
                print(
                    f"  [{mode} round {round_ + 1}/{repeat}] {size:>5} principals  "
                    f"{app:<6} {elapsed:7.2f} s",
                    file=sys.stderr,
                )
            if round_ == 0:
                python = read_assembly(outdirs["python"])
                js = read_assembly(outdirs["js"])
                results[size].assembly = python
                difference = first_difference(python.templates, js.templates)
                results[size].same_templates = "yes" if difference is None else difference
            for outdir in outdirs.values():
                shutil.rmtree(outdir, ignore_errors=True)
    return [results[size] for size in sizes]


def per_principal_ms(results: Sequence[SizeResult], result: SizeResult, app: str) -> str:
    """Marginal cost: (time(n) - time(smallest)) / (n - smallest), in milliseconds."""
    base = results[0]
    if result.size == base.size:
        return "-"
    slope = (result.median(app) - base.median(app)) / (result.size - base.size)
    return f"{slope * 1000:.1f}"


def render_table(results: Sequence[SizeResult], mode: str, repeat: int) -> str:
    header = (
        "| principals | Python s | stacks | largest: resources | outputs | bytes | JS s "
        "| Python/JS | Python ms/principal | JS ms/principal | same templates |"
    )
    lines = [
        f"Mode `{mode}`, median of {repeat} run(s) per app; ms/principal is the marginal cost "
        f"over {results[0].size} principal(s).",
        "",
        header,
        "|" + "|".join(["---"] * 11) + "|",
    ]
    for result in results:
        assembly = result.assembly
        assert assembly is not None
        largest = assembly.largest
        limits = "" if assembly.within_limits else " (over a limit!)"
        lines.append(
            f"| {result.size:,} | {result.median('python'):.2f} | {len(assembly.stacks)}{limits} "
            f"| {largest.resources} | {largest.outputs} | {largest.bytes:,} "
            f"| {result.median('js'):.2f} | {result.median('python') / result.median('js'):.2f} "
            f"| {per_principal_ms(results, result, 'python')} "
            f"| {per_principal_ms(results, result, 'js')} | {result.same_templates} |"
        )
    return "\n".join(lines)


def verdict(results: Sequence[SizeResult], mode: str) -> str:
    lines = []
    for size in TARGET_SIZES:
        target = [r for r in results if r.size == size]
        if not target:
            lines.append(f"target ({mode}): {size:,} principals not measured in this run")
            continue
        ratio = target[0].median("python") / target[0].median("js")
        met = "met" if ratio <= TARGET_RATIO else "NOT met"
        lines.append(
            f"target ({mode}): {size:,} principals in at most {TARGET_RATIO}x the JS app's "
            f"time: {ratio:.2f}x, {met}"
        )
    return "\n".join(lines)


def peak_memory_kib(command: Command, what: str) -> int:
    """Run once; the peak resident memory of the largest process of the run, in KiB.

    ``wait4`` reports the child's own peak and that of every descendant it waited for, the
    largest of them: for the Python app its own process or the jsii kernel (Node.js) it
    starts, for the JS app its Node.js process.
    """
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command.argv, cwd=command.cwd, env=command.env, stdout=output, stderr=output
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            tail = output.read().decode(errors="replace").strip().splitlines()[-15:]
            raise BenchError(f"{what} failed (exit {process.returncode}):\n" + "\n".join(tail))
    return int(usage.ru_maxrss)  # KiB on Linux


def render_memory(sizes: Sequence[int], workdir: Path, layout: Mapping[str, int]) -> Iterator[str]:
    """Peak memory of each app's own command (app mode, one run per app and size)."""
    yield "Peak memory of the app process (app command alone, largest process of its tree):"
    yield ""
    yield "| principals | Python MiB | JS MiB |"
    yield "|---|---|---|"
    for size in sizes:
        config = write_config(size, workdir)
        peaks = {}
        for app in APPS:
            outdir = workdir / f"memory-{app}-{size}"
            command = synth_command(app, "app", config, outdir, layout)
            peaks[app] = peak_memory_kib(command, f"{app} app, {size} principals (memory)")
            shutil.rmtree(outdir, ignore_errors=True)
        yield f"| {size:,} | {peaks['python'] / 1024:.0f} | {peaks['js'] / 1024:.0f} |"


# ---------------------------------------------------------------------------------------------
# Where the time goes


class _NoPlugins:
    """Stands in for ``aws_cdk.Validations`` in ``stacks.nag``: no cdk-nag, no MFA rule."""

    def __init__(self, scope: object) -> None:
        self.scope = scope

    @classmethod
    def of(cls, scope: object) -> _NoPlugins:
        return cls(scope)

    def add_plugins(self, *plugins: object) -> None:
        return None


def probe_python(marks_file: Path, no_nag: bool, cprofile_file: Path | None) -> NoReturn:
    """Run ``app.main()`` in this process with timing hooks; write the marks as JSON.

    Runs in a child process started by :func:`phases` (``--probe-python``). Marks are epoch
    seconds; ``jsii`` counts the requests sent to the jsii kernel and the time spent in them.
    """
    marks: dict[str, float] = {"start": time.time()}
    jsii_calls = {"count": 0, "seconds": 0.0}
    jsii_at: dict[str, dict[str, float]] = {}
    kind: dict[str, int] = {}  # requests while the constructs are built, by kind and target

    def mark(name: str) -> None:
        marks[name] = time.time()
        jsii_at[name] = dict(jsii_calls)

    from jsii._kernel.providers import process as jsii_process

    send = jsii_process._NodeProcess.send

    def counted_send(self: Any, request: Any, response_type: Any) -> Any:
        started = time.perf_counter()
        try:
            return send(self, request, response_type)
        finally:
            jsii_calls["count"] += 1
            jsii_calls["seconds"] += time.perf_counter() - started
            if "config" in marks and "built" not in marks:
                kind[_request_name(request)] = kind.get(_request_name(request), 0) + 1

    setattr(jsii_process._NodeProcess, "send", counted_send)  # noqa: B010
    import aws_cdk
    import cdk_nag  # noqa: F401

    mark("imported")
    import app as app_module  # run from the repository root: python -m puts it on the path
    from developer_role import mfa_checks
    from stacks import nag

    mark("app_modules")
    if no_nag:
        setattr(nag, "Validations", _NoPlugins)  # noqa: B010
    mfa = {"seconds": 0.0}
    validate = mfa_checks.MfaTrustChecks.validate

    def timed_validate(self: Any, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return validate(self, context)
        finally:
            mfa["seconds"] += time.perf_counter() - started

    setattr(mfa_checks.MfaTrustChecks, "validate", timed_validate)  # noqa: B010

    def timed(before: str, after: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            mark(before)
            result = function(*args, **kwargs)
            mark(after)
            return result

        return wrapper

    hooks = {
        "load_config": ("app", "config"),
        "build_app": ("config_end", "built"),
        "render_profiles": ("profiles_start", "profiles_rendered"),
    }
    for name, (before, after) in hooks.items():
        setattr(app_module, name, timed(before, after, getattr(app_module, name)))
    setattr(aws_cdk.App, "synth", timed("synth_start", "synthesized", aws_cdk.App.synth))  # noqa: B010
    profiler = cProfile.Profile() if cprofile_file else None
    if profiler:
        profiler.enable()
    code = app_module.main()
    if profiler and cprofile_file:
        profiler.disable()
        profiler.dump_stats(str(cprofile_file))
    mark("end")
    marks_file.write_text(
        json.dumps({"marks": marks, "jsii": jsii_at, "kinds": kind, "mfa": mfa["seconds"]}),
        encoding="utf-8",
    )
    app_module.exit_now(code)  # ends as app.py does


def _request_name(request: object) -> str:
    """``create aws-cdk-lib.aws_iam.Role``, ``invoke acknowledge``, ``get roleArn``..."""
    kind = type(request).__name__.removesuffix("Request")
    target = [
        str(getattr(request, attribute))
        for attribute in ("fqn", "method", "property")
        if getattr(request, attribute, None)
    ]
    return " ".join([kind, *target])


@dataclass(frozen=True)
class Phase:
    name: str
    seconds: float
    note: str = ""
    in_total: bool = True  # False: measured apart, not a share of this run


def _probe_env(marks_file: Path, no_nag: bool) -> dict[str, str]:
    return {"BENCH_PHASES_FILE": str(marks_file), "BENCH_NO_NAG": "1" if no_nag else "0"}


def probe_run(
    app: str,
    config: Path,
    workdir: Path,
    layout: Mapping[str, int],
    no_nag: bool,
    cprofile_file: Path | None = None,
) -> tuple[float, float, dict[str, Any]]:
    """One instrumented run: (spawn epoch, exit epoch, marks written by the app)."""
    tag = f"{app}-{'nonag' if no_nag else 'nag'}"
    marks_file = workdir / f"marks-{tag}.json"
    outdir = workdir / f"probe-{tag}"
    command = synth_command(app, "app", config, outdir, layout, _probe_env(marks_file, no_nag))
    if app == "python":
        # The app's interpreter and its flags (``-O``), running this script's probe instead.
        interpreter = app_command("python")[:-1]
        # -m, from the app's folder (command.cwd): Python puts that folder on the path, as it
        # does for the CDK CLI's `python app.py`, so the probe imports app.py and stacks/.
        argv = [*interpreter, "-m", "devtools.bench_synth", "--probe-python"]
        argv += [str(marks_file)] + (["--no-nag"] if no_nag else [])
        if cprofile_file:
            argv += ["--cprofile-file", str(cprofile_file)]
        command = Command(argv, command.cwd, command.env)
    spawned = time.time()
    run(command, f"{app} app with timing hooks")
    ended = time.time()
    shutil.rmtree(outdir, ignore_errors=True)
    return spawned, ended, json.loads(marks_file.read_text(encoding="utf-8"))


CONFIG_LOAD_SIZES = (1000, 5000)
_CONFIG_LOAD_PROBE = """
import sys, time
from pathlib import Path
from developer_roles.config import load_config
started = time.perf_counter()
load_config(None, sys.argv[1], Path.cwd())
print(time.perf_counter() - started)
"""


def config_load_phases(workdir: Path) -> list[Phase]:
    """Reading and validating the configuration at 1,000 and 5,000 principals: one load each in
    a fresh ``python -O`` process, after the imports (what ``app.py`` pays once per synth)."""
    phases = []
    for size in CONFIG_LOAD_SIZES:
        config = write_config(size, workdir)
        argv = [*app_command("python")[:-1], "-c", _CONFIG_LOAD_PROBE, str(config)]
        done = subprocess.run(
            argv, cwd=REPO, env=tool_env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise BenchError(f"configuration load at {size:,} principals failed: {done.stderr}")
        seconds = float(done.stdout.strip().splitlines()[-1])
        phases.append(
            Phase(
                f"  configuration at {size:,} principals",
                seconds,
                "own process, one load after the imports",
                in_total=False,
            )
        )
    return phases


def python_phases(
    config: Path, workdir: Path, layout: Mapping[str, int]
) -> tuple[list[Phase], float, dict[str, int]]:
    """The Python app's phases, and its jsii requests while building constructs by kind."""
    spawned, ended, data = probe_run("python", config, workdir, layout, False)
    _, _, bare = probe_run("python", config, workdir, layout, True)
    m = data["marks"]
    jsii = data["jsii"]

    def calls(start: str, end: str) -> str:
        count = jsii[end]["count"] - jsii[start]["count"]
        seconds = jsii[end]["seconds"] - jsii[start]["seconds"]
        return f"{count:,} jsii calls, {seconds:.2f} s in them"

    synth = m["synthesized"] - m["synth_start"]
    bare_synth = bare["marks"]["synthesized"] - bare["marks"]["synth_start"]
    phases = [
        Phase("interpreter start-up", m["start"] - spawned),
        Phase(
            "jsii runtime start, load aws-cdk-lib + cdk-nag",
            m["imported"] - m["start"],
            "import aws_cdk, cdk_nag",
        ),
        Phase("import app, stacks, construct library", m["app_modules"] - m["imported"]),
        Phase("App()", m["app"] - m["app_modules"]),
        Phase("configuration: load and validate", m["config"] - m["app"]),
        *config_load_phases(workdir),
        Phase(
            "plan + construct building", m["built"] - m["config_end"], calls("config_end", "built")
        ),
        Phase("synthesis without cdk-nag (resolve, write)", bare_synth),
        Phase("cdk-nag validation", synth - bare_synth, "synth with nag - synth without"),
        Phase("of which the MFA trust rule", data["mfa"], "its validate callback (Python side)"),
        Phase("profiles file", m["profiles_rendered"] - m["profiles_start"]),
        Phase("exit (jsii kernel shutdown)", ended - m["end"]),
    ]
    return phases, ended - spawned, data["kinds"]


def render_kinds(kinds: Mapping[str, int], size: int, top: int = 15) -> str:
    total = sum(kinds.values())
    lines = [
        f"jsii requests while building the constructs: {total:,} ({total / size:.1f} per "
        "principal)",
        "",
        "| request | count | per principal |",
        "|---|---|---|",
    ]
    for name, count in sorted(kinds.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"| `{name}` | {count:,} | {count / size:.2f} |")
    return "\n".join(lines)


def js_phases(config: Path, workdir: Path, layout: Mapping[str, int]) -> tuple[list[Phase], float]:
    spawned, ended, m = probe_run("js", config, workdir, layout, False)
    _, _, bare = probe_run("js", config, workdir, layout, True)
    ms = 1000.0
    synth = (m["synthesized"] - m["built"]) / ms
    bare_synth = (bare["synthesized"] - bare["built"]) / ms
    phases = [
        Phase("node start-up", m["start"] / ms - spawned),
        Phase("load aws-cdk-lib + cdk-nag modules", (m["imported"] - m["start"]) / ms),
        Phase("App()", (m["app"] - m["imported"]) / ms),
        Phase("configuration: load and plan", (m["config"] - m["app"]) / ms),
        Phase("construct building", (m["built"] - m["config"]) / ms),
        Phase("synthesis without cdk-nag (resolve, write)", bare_synth),
        Phase("cdk-nag validation", synth - bare_synth, "synth with nag - synth without"),
        Phase("of which the MFA trust rule", m.get("mfaSeconds", 0.0), "its validate call"),
        Phase("profiles file", (m["profiles"] - m["synthesized"]) / ms),
        Phase("exit", ended - m["profiles"] / ms),
    ]
    return phases, ended - spawned


def render_phases(title: str, phases: Sequence[Phase], total: float) -> str:
    lines = [
        f"{title}: {total:.2f} s in all",
        "",
        "| phase | s | share | note |",
        "|---|---|---|---|",
    ]
    for phase in phases:
        share = f"{100 * phase.seconds / total:.0f}%" if total and phase.in_total else "-"
        lines.append(f"| {phase.name} | {phase.seconds:.2f} | {share} | {phase.note} |")
    return "\n".join(lines)


def render_cprofile(path: Path, top: int = 15) -> Iterator[str]:
    stats = pstats.Stats(str(path))
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    yield f"cProfile of the Python app, top {top} functions by own time:"
    yield ""
    yield "| function | calls | own s | cumulative s |"
    yield "|---|---|---|---|"
    for (filename, line, name), (_, calls, own, cumulative, _) in rows[:top]:
        where = f"{Path(filename).name}:{line}" if line else filename
        yield f"| `{name}` ({where}) | {calls:,} | {own:.2f} | {cumulative:.2f} |"


# ---------------------------------------------------------------------------------------------
# The command line


def parse_sizes(value: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--sizes: {value!r} is not a list of numbers") from error
    if not sizes or any(size < 1 or size > 5000 for size in sizes):
        raise argparse.ArgumentTypeError("--sizes: each size must be 1 to 5,000 principals")
    return sorted(set(sizes))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated principal counts (default 1,100,1000,5000)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per app and size (median)")
    parser.add_argument(
        "--mode",
        choices=("cli", "app", "both"),
        default="cli",
        help="time `cdk synth` (cli), the app commands alone (app), or both",
    )
    parser.add_argument(
        "--profile-size",
        type=int,
        default=None,
        help="size for the where-the-time-goes runs (default 1000 if measured, else the "
        "largest size; 0 skips them)",
    )
    parser.add_argument("--cprofile", action="store_true", help="add a cProfile of the Python app")
    parser.add_argument(
        "--js-without-creation-stacks",
        action="store_true",
        help="run the JS app without creation stack traces too, as the Python app runs "
        "(a like-for-like check; by default each app runs with its own settings)",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the peak-memory runs (one per app and size)"
    )
    parser.add_argument("--probe-python", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-nag", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cprofile-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe_python:
        return probe_python(args.probe_python, args.no_nag, args.cprofile_file)
    try:
        ensure_setup()
        layout = layout_context()
        modes = ("cli", "app") if args.mode == "both" else (args.mode,)
        profile_size = args.profile_size
        if profile_size is None:
            profile_size = TARGET_SIZE if TARGET_SIZE in args.sizes else max(args.sizes)
        if args.js_without_creation_stacks:
            os.environ["BENCH_JS_CREATION_STACKS"] = "off"  # read by bench/js-app/app.js
            print("JS app run without creation stack traces, like the Python app.\n")
        with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
            workdir = Path(tmp)
            started = time.perf_counter()
            for mode in modes:
                results = measure(args.sizes, args.repeat, mode, workdir, layout)
                print(render_table(results, mode, args.repeat))
                print()
                print(verdict(results, mode))
                print()
            if not args.no_memory:
                print("\n".join(render_memory(args.sizes, workdir, layout)))
                print()
            if profile_size:
                config = write_config(profile_size, workdir)
                py, py_total, kinds = python_phases(config, workdir, layout)
                js, js_total = js_phases(config, workdir, layout)
                print(f"Where the time goes, {profile_size:,} principals, app commands alone:")
                print()
                print(render_phases("Python app", py, py_total))
                print()
                print(render_phases("JS app", js, js_total))
                print()
                print(render_kinds(kinds, profile_size))
                print()
                if args.cprofile:
                    cprofile_file = workdir / "python.prof"
                    probe_run("python", config, workdir, layout, False, cprofile_file)
                    print("\n".join(render_cprofile(cprofile_file)))
                    print()
            print(f"benchmark took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    except BenchError as error:
        print(f"bench_synth: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
