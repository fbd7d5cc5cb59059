#!/usr/bin/env python3
"""Where a cold caller's wait goes, for builds of connect-rules against the baseline.

Cold starts over TLS, one event, the functions taking turns (as in bench/run.py). For each, the
median of: the first invoke's wall time (the whole wait: the emulator starts the function on
that invoke), the init duration, the handler's own duration (connect-rules' metrics line) and
its first call's latency (the metrics line; the baseline answers `calls_ms` for all of its
calls).

    bench/wait.py                                   # target/profiled/release/connect-rules
    bench/wait.py before=DIR/connect-rules after=target/profiled/release/connect-rules
    EVENT=chat.json COUNT=50 bench/wait.py ...
    FRONT_RTT_MS=1 bench/wait.py ...                # a round trip of 1 ms to the front

Needs what bench/run.py needs.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile

import run
from tls import TlsFront

COLUMNS = ["wait", "init", "handler", "first call"]


def figures(function, elapsed, log, answer, ours):
    """One cold start's figures (ms), in COLUMNS' order."""
    if ours:
        handler = float(re.search(r'"Duration":([0-9.]+)', log).group(1))
        call = float(re.search(r'"CallLatency":([0-9.]+)', log).group(1))
    else:
        handler, call = float("nan"), answer["calls_ms"]
    return [elapsed * 1000, function.init_ms(), handler, call]


def main():
    builds = dict(argument.split("=", 1) for argument in sys.argv[1:]) or {
        "connect-rules": run.CONNECT_RULES}
    event, count = os.environ.get("EVENT", "voice.json"), int(os.environ.get("COUNT", "30"))
    with tempfile.TemporaryDirectory(prefix="connect-rules-wait-") as directory:
        run.SHIPPED_RULES = os.path.join(directory, "rules-100.yaml.compiled")
        subprocess.run([run.CONNECT_RULES, "compile", run.RULES, "-o", run.SHIPPED_RULES],
                       check=True, capture_output=True)
        for binary in builds.values():
            run.TRUST_STORES[binary] = "amazon"
        binaries = {**builds, "baseline": os.path.join(run.RELEASE, "connect-baseline")}
        binaries = run.copies_made_together(binaries, directory)
        events = {name: run.load_event(event) for name in builds}
        events["baseline"] = run.baseline_event(event)
        samples = {name: [] for name in binaries}
        endpoint = run.Endpoint()
        front = TlsFront(endpoint)
        try:
            for _ in range(count):
                for name, binary in binaries.items():
                    function = run.Lambda(binary, front)
                    elapsed, answer = function.invoke(events[name])
                    samples[name].append(figures(function, elapsed, function.output(), answer, name in builds))
                    function.close()
        finally:
            front.close()
            endpoint.close()
    print(f"{event}, {count} cold starts each over TLS, medians (ms)")
    print(f"| build | {' | '.join(COLUMNS)} | wait against the baseline's |")
    print("|---|" + "---|" * (len(COLUMNS) + 1))
    medians = {name: [statistics.median(row[i] for row in rows) for i in range(len(COLUMNS))]
               for name, rows in samples.items()}
    for name, values in medians.items():
        cells = " | ".join(f"{value:.2f}" for value in values)
        print(f"| {name} | {cells} | {values[0] / medians['baseline'][0]:.3f} |")


if __name__ == "__main__":
    main()
