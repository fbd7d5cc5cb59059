#!/usr/bin/env python3
"""Benchmark connect-rules against the bare-SDK baseline, in one run on one machine.

Both release binaries run under the Lambda Runtime Interface Emulator (as `sam local invoke`
does) against the local Connect endpoint; connect-rules reads the rules compiled, as `sam
build` ships them. Reported for both, with ratios: cold-start init duration (the emulator's
INIT REPORT) over plain HTTP and over TLS, and per event over TLS init + first invocation,
what a caller waits through on a cold start (the first call's handshake is where the crypto
library first draws randomness), warm p50/p99 per event and the CPU the function spends on
each (over plain HTTP, the targets' measure, and p50 and CPU again over TLS, as on Lambda,
where connect-rules' calls go over the connection it opened at cold start), peak RSS and
binary size; then, with a fixed latency injected into every Connect call, the wall time of a
task invocation that writes attributes, adds references and transfers, against one call's
latency (the baseline's single call for the voice event, as its SDK saw it).

    bench/run.py                  # the full run recorded in BENCHMARKS.md
    bench/run.py --quick          # a smoke run (scripts/test runs it so it cannot rot)
    taskset -c 0 bench/run.py     # the same on one CPU
    bench/run.py --against DIR    # against the connect-rules of another build instead
    bench/run.py --yaml           # connect-rules reading the rules' YAML instead
    FRONT_RTT_MS=1 bench/run.py   # a round trip of 1 ms to the TLS front (bench/tls.py)

Needs scripts/bench's builds, and .venv from scripts/python-tools.
"""

import argparse
import glob
import http.client
import itertools
import json
import os
import platform
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

from tls import TlsFront

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
RELEASE = os.path.join(TARGET, "release")
# connect-rules as it ships, optimized with the profile of what it runs (pgo/x86_64.profdata),
# built by scripts/bench in a target directory of its own: RUSTFLAGS reach every crate, and the
# baseline's must be a plain build.
CONNECT_RULES = os.path.join(TARGET, "profiled", "release", "connect-rules")
EVENTS = ["voice.json", "chat.json", "task.json", "email.json"]
# 100 rules: the example's 7 and 93 that never match, so the calls are the example's.
RULES = os.path.join(ROOT, "bench", "rules-100.yaml")
# What connect-rules reads at cold start: RULES compiled, as `sam build` ships rules (set in
# main; --yaml measures the YAML instead).
SHIPPED_RULES = RULES
# Which trust store each binary loads at cold start (Endpoint.trust), by path; set in main.
TRUST_STORES = {}
INSTANCE = "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa"


NEXT_PORT = itertools.count(os.getpid() * 7919)


def copies_made_together(binaries, directory):
    """Each binary copied into `directory`, one after the other, to be run from there: here,
    copies of one binary made at different times started up to 0.3 ms apart, and copies made
    together within 0.02 ms (BENCHMARKS.md, "The rule book sized to fit, and builds copied
    together"), so no function of a comparison gains from where its file sits in memory."""
    copies = {}
    for index, (name, binary) in enumerate(binaries.items()):
        copy = os.path.join(directory, f"{index}-{os.path.basename(binary)}")
        shutil.copy2(binary, copy)
        if binary in TRUST_STORES:
            TRUST_STORES[copy] = TRUST_STORES[binary]
        copies[name] = copy
    return copies


def free_port():
    """A port for a server to listen on, below the kernel's range of ephemeral ports: a port
    from that range (what binding port 0 gives) may be taken by any connection opened before
    the server binds it, and the emulator then fails to start ("address already in use")."""
    while True:
        port = 10_000 + next(NEXT_PORT) % 22_000
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


def wait_for_port(port, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing listens on {port}")


def request(port, method, path, body=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request(method, path, body=json.dumps(body) if body is not None else None)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data) if data else None


def one(pattern):
    found = sorted(glob.glob(os.path.join(ROOT, pattern)))
    if not found:
        raise SystemExit(f"missing {pattern}: run scripts/test or scripts/python-tools first")
    return found[0]


class Endpoint:
    """The local Connect endpoint, seeded with the contact of every event."""

    def __init__(self):
        model = one(".venv/lib/python*/site-packages/botocore/data/connect/2017-08-08/service-2.json.gz")
        self.port = free_port()
        self.process = subprocess.Popen(
            [os.path.join(RELEASE, "connect-local"), "--model", model, "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        self.url = f"http://127.0.0.1:{self.port}"
        self.system_bundle = ssl.get_default_verify_paths().cafile
        for name in EVENTS:
            data = load_event(name)["Details"]["ContactData"]
            self.control("PUT", "/_local/contacts", {
                "InstanceId": INSTANCE, "ContactId": data["ContactId"], "Channel": data["Channel"],
                "Active": True, "Attributes": data["Attributes"],
            })

    def trust(self, store):
        """The environment that gives a function its trust store as on Lambda. "system": the
        SDK's default, the system's bundle: Lambda's Amazon Linux 2023 has one bundle file;
        Debian also has a directory of hashed links to the same certificates, which the SDK
        would read as well, doubling the cost, so SSL_CERT_FILE names the bundle alone.
        "amazon": connect-rules' own, Amazon's roots compiled in: nothing to set."""
        return {"SSL_CERT_FILE": self.system_bundle} if store == "system" else {}

    def control(self, method, path, body=None):
        return request(self.port, method, path, body)

    def close(self):
        self.process.terminate()
        self.process.wait()


class Lambda:
    """A binary under the Lambda Runtime Interface Emulator."""

    def __init__(self, binary, endpoint):
        rie = one(f".venv/lib/python*/site-packages/samcli/local/rapid/aws-lambda-rie-{platform.machine()}")
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="connect-rules-bench-", suffix=".log", delete=False)
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_ENDPOINT_URL_CONNECT": endpoint.url,
            "AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local-secret", "AWS_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_TIMEOUT": "10", "RULES_FILE": SHIPPED_RULES,
            **endpoint.trust(TRUST_STORES.get(binary, "system")),
        }
        self.process = subprocess.Popen(
            [rie, "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
             "--runtime-api-address", f"127.0.0.1:{free_port()}", binary],
            env=environment, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        wait_for_port(self.port)

    def invoke(self, event):
        started = time.perf_counter()
        answer = request(self.port, "POST", "/2015-03-31/functions/function/invocations", event)
        return time.perf_counter() - started, answer

    def output(self):
        """What the function and the emulator have written. The emulator answers an invoke
        only once the function asks for the next event, so this holds all it wrote for the
        invocations answered (connect-rules' log line and metrics come after its answer)."""
        with open(self.log.name) as log:
            return log.read()

    def init_ms(self):
        found = re.findall(r"INIT REPORT\(durationMs: ([0-9.]+)\)", self.output())
        return float(found[0]) if found else float("nan")

    def phases_us(self):
        """connect-rules' cold-start line: microseconds per phase, or {} for the baseline."""
        line = re.search(r"cold start.*", self.output())
        return {name: int(value) for name, value in re.findall(r"(\w+)_us=(\d+)", line.group(0))} if line else {}

    def function_pid(self):
        """The function process: the emulator's child, spawned from any of its threads."""
        for task in os.listdir(f"/proc/{self.process.pid}/task"):
            for child in open(f"/proc/{self.process.pid}/task/{task}/children").read().split():
                return child
        return None

    def peak_rss_kib(self):
        """VmHWM of the function process."""
        pid = self.function_pid()
        for line in open(f"/proc/{pid}/status") if pid else []:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return float("nan")

    def cpu_ns(self):
        """CPU time the function process has used so far, every thread, user and kernel: the
        first field of each thread's schedstat, in nanoseconds (a thread that ends between
        listing and reading is left out)."""
        pid, total = self.function_pid(), 0
        for thread in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{thread}/schedstat") as stat:
                    total += int(stat.read().split()[0])
            except FileNotFoundError:
                pass
        return total

    def close(self):
        self.process.terminate()
        self.process.wait()
        os.unlink(self.log.name)


def load_event(name):
    with open(os.path.join(ROOT, "events", name)) as file:
        return json.load(file)


def baseline_event(name):
    """What the baseline is fed: the calls connect-rules plans for the event."""
    printed = subprocess.run(
        [CONNECT_RULES, "invoke", os.path.join(ROOT, "events", name),
         "--rules", RULES],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(printed)["plan"]["calls"]


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cold_starts(binaries, events, endpoint, count):
    """From `count` fresh emulators per event and function, the two functions taking turns so
    that drift on the machine hits both: the median init duration, and per event the median
    first invocation after init and init + first invocation (what a caller waits through on a
    cold start). The emulator starts the function on the first invoke, so that invoke's wall
    time is the whole silence: the process's start, init, then the invocation."""
    inits = {name: [] for name in binaries}
    firsts = {name: {event: [] for event in EVENTS} for name in binaries}
    silences = {name: {event: [] for event in EVENTS} for name in binaries}
    phases = {name: [] for name in binaries}
    for _ in range(count):
        for event in EVENTS:
            for name, binary in binaries.items():
                function = Lambda(binary, endpoint)
                elapsed, _ = function.invoke(events[name][event])
                inits[name].append(function.init_ms())
                firsts[name][event].append(elapsed * 1000 - function.init_ms())
                silences[name][event].append(elapsed * 1000)
                phases[name].append(function.phases_us())
                function.close()
    median = lambda by_event: {event: statistics.median(samples) for event, samples in by_event.items()}
    return {
        name: {
            "init": statistics.median(inits[name]),
            "first": median(firsts[name]),
            "silence": median(silences[name]),
            "phases": {phase: statistics.median(run[phase] for run in phases[name]) for phase in phases[name][0]},
        }
        for name in binaries
    }


def warm(binaries, events, endpoint, count):
    """Warm invocations of every event, the two functions taking turns: each one's wall time
    as the caller sees it and the CPU its function process spent on it (the wall time also
    holds the emulator's and this script's share of the machine), then each one's peak RSS."""
    functions = {name: Lambda(binary, endpoint) for name, binary in binaries.items()}
    try:
        warm_ms = {name: {} for name in binaries}
        cpu_us = {name: {} for name in binaries}
        for event in EVENTS:
            for name, function in functions.items():
                function.invoke(events[name][event])
                warm_ms[name][event] = []
            readings = {name: [] for name in functions}
            for _ in range(count):
                for name, function in functions.items():
                    readings[name].append(function.cpu_ns())
                    warm_ms[name][event].append(function.invoke(events[name][event])[0] * 1000)
            time.sleep(0.05)
            for name, function in functions.items():
                # From one invocation's start to the next's, so that work a function does
                # after answering (connect-rules' log line and metrics) counts too.
                readings[name].append(function.cpu_ns())
                cpu_us[name][event] = [(after - before) / 1000 for before, after in zip(readings[name], readings[name][1:])]
        return {name: {"warm": warm_ms[name], "cpu": cpu_us[name], "rss": function.peak_rss_kib()}
                for name, function in functions.items()}
    finally:
        for function in functions.values():
            function.close()


def injected(binary, events, endpoint, latency_ms, samples):
    """With `latency_ms` added to every Connect call: median wall time of the voice event (one
    call) and the task event (two updates, then the transfer), and the median of what the
    function answers as `calls_ms` for the voice event (the baseline's one call as its SDK saw
    it)."""
    endpoint.control("POST", "/_local/faults", {"operation": "*", "kind": "latency", "count": 1_000_000, "latency_ms": latency_ms})
    function = Lambda(binary, endpoint)
    medians = {}
    for name in ["voice.json", "task.json"]:
        function.invoke(events[name])
        runs = [function.invoke(events[name]) for _ in range(samples)]
        medians[name] = statistics.median(elapsed * 1000 for elapsed, _ in runs)
        if name == "voice.json":
            medians["one call"] = statistics.median(answer.get("calls_ms", float("nan")) for _, answer in runs)
    function.close()
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few samples")
    parser.add_argument("--against", metavar="DIR",
                        help="compare with the connect-rules of another build (its release directory) instead of the baseline")
    parser.add_argument("--against-system-store", action="store_true",
                        help="the other build trusts the system's store (builds before src/execute/https.rs)")
    parser.add_argument("--yaml", action="store_true", help="connect-rules reads the rules' YAML instead of their compiled form")
    arguments = parser.parse_args()
    starts, invocations, samples = (1, 20, 5) if arguments.quick else (15, 300, 50)
    global SHIPPED_RULES
    if not arguments.yaml:
        compiled = tempfile.TemporaryDirectory(prefix="connect-rules-bench-")  # removed at exit
        SHIPPED_RULES = os.path.join(compiled.name, "rules-100.yaml.compiled")
        subprocess.run([CONNECT_RULES, "compile", RULES, "-o", SHIPPED_RULES],
                       check=True, capture_output=True)
    latency_ms = 20

    TRUST_STORES[CONNECT_RULES] = "amazon"
    if arguments.against and not arguments.against_system_store:
        TRUST_STORES[os.path.join(arguments.against, "connect-rules")] = "amazon"

    rules_events = {name: load_event(name) for name in EVENTS}
    if arguments.against:
        other = f"connect-rules in {arguments.against}"
        binaries = {"connect-rules": CONNECT_RULES, other: os.path.join(arguments.against, "connect-rules")}
        events = {"connect-rules": rules_events, other: rules_events}
    else:
        other = "baseline"
        binaries = {"connect-rules": CONNECT_RULES, other: os.path.join(RELEASE, "connect-baseline")}
        events = {"connect-rules": rules_events, other: {name: baseline_event(name) for name in EVENTS}}
    copies = tempfile.TemporaryDirectory(prefix="connect-rules-bench-")  # removed at exit
    binaries = copies_made_together(binaries, copies.name)

    def against_endpoint(run):
        """Runs a measure against one fresh endpoint."""
        endpoint = Endpoint()
        try:
            return run(endpoint)
        finally:
            endpoint.close()

    def both(run, *settings):
        return against_endpoint(lambda endpoint: {
            name: run(binaries[name], events[name], endpoint, *settings) for name in binaries
        })

    def over_tls(measure):
        """`measure` run through a TLS front to the endpoint."""
        def run(endpoint):
            front = TlsFront(endpoint)
            try:
                return measure(front)
            finally:
                front.close()
        return run

    results = against_endpoint(lambda endpoint: cold_starts(binaries, events, endpoint, starts))
    tls = against_endpoint(over_tls(lambda front: cold_starts(binaries, events, front, starts)))
    for name, measured in against_endpoint(lambda endpoint: warm(binaries, events, endpoint, invocations)).items():
        results[name].update(measured)
    warm_tls = against_endpoint(over_tls(lambda front: warm(binaries, events, front, invocations)))
    slow = both(injected, latency_ms, samples)

    ours, floor = results["connect-rules"], results[other]
    rows = [
        ("cold start: init duration (ms, median)", ours["init"], floor["init"]),
        ("cold start: first invocation after init, task (ms, median)", ours["first"]["task.json"], floor["first"]["task.json"]),
    ]
    rows.append(("cold start over TLS: init duration (ms, median)", tls["connect-rules"]["init"], tls[other]["init"]))
    for name in EVENTS:
        rows.append((f"cold start over TLS: init + first invocation, {name} (ms, median)",
                     tls["connect-rules"]["silence"][name], tls[other]["silence"][name]))
    for name in EVENTS:
        rows.append((f"warm {name} p50 (ms)", percentile(ours["warm"][name], 0.5), percentile(floor["warm"][name], 0.5)))
        rows.append((f"warm {name} p99 (ms)", percentile(ours["warm"][name], 0.99), percentile(floor["warm"][name], 0.99)))
        rows.append((f"warm {name}: the function's CPU per invocation (µs, median)",
                     statistics.median(ours["cpu"][name]), statistics.median(floor["cpu"][name])))
    for name in EVENTS:
        rows.append((f"warm over TLS {name} p50 (ms)", percentile(warm_tls["connect-rules"]["warm"][name], 0.5),
                     percentile(warm_tls[other]["warm"][name], 0.5)))
        rows.append((f"warm over TLS {name}: the function's CPU per invocation (µs, median)",
                     statistics.median(warm_tls["connect-rules"]["cpu"][name]), statistics.median(warm_tls[other]["cpu"][name])))
    rows.append(("peak RSS (MiB)", ours["rss"] / 1024, floor["rss"] / 1024))
    rows.append(("binary size (MiB)", os.path.getsize(binaries["connect-rules"]) / 2**20, os.path.getsize(binaries[other]) / 2**20))
    for name, calls in [("voice.json", "one call"), ("task.json", "attributes + references, then transfer")]:
        rows.append((f"{name} ({calls}), {latency_ms} ms per call (ms, median)", slow["connect-rules"][name], slow[other][name]))

    form = "YAML" if arguments.yaml else "compiled"
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} of {os.cpu_count()} cores; "
          f"rules: {os.path.relpath(RULES, ROOT)} ({form}); "
          f"cold starts {starts} per function, taking turns; warm invocations {invocations} per event")
    print(f"| measure | connect-rules | {other} | ratio |")
    print("|---|---|---|---|")
    for label, mine, base in rows:
        print(f"| {label} | {mine:.2f} | {base:.2f} | {mine / base:.2f} |")
    failed = [label for label, mine, base in rows if mine != mine or base != base]
    if not arguments.against:
        # Only the baseline answers how long its calls took.
        one_call = slow[other]["one call"]
        print(f"| one Connect call, {latency_ms} ms injected: the baseline's voice.json call as its SDK saw it (ms, median) | | {one_call:.2f} | |")
        print()
        print("| task.json wall time against | one call's latency | the nominal 20 ms | the one-call invocation |")
        print("|---|---|---|---|")
        for name in binaries:
            task, voice = slow[name]["task.json"], slow[name]["voice.json"]
            print(f"| {name} | {task / one_call:.2f} | {task / latency_ms:.2f} | {task / voice:.2f} |")
        failed += ["one call"] if one_call != one_call else []
    phases = ", ".join(f"{phase} {value:.0f}" for phase, value in results["connect-rules"]["phases"].items())
    print(f"\nconnect-rules' cold-start line over plain HTTP (µs, median; rules and client side by side): {phases}")
    if failed:
        print(f"not measured: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
