#!/usr/bin/env python3
"""The work a profile-guided build of connect-rules is optimized for: pgo/remake runs this
with a connect-rules built with -Cprofile-generate, which writes what it ran to
LLVM_PROFILE_FILE when it exits.

The function runs as it ships (template.yaml): the example's rules compiled, JSON logs, metrics
on, Amazon's roots, against the local Connect endpoint over plain HTTP and through the TLS
front. Per event, cold starts (one invocation each), then one process answering warm rounds of
every event. Each answer must be a success: a profile of failures would optimize the wrong path.

A small runtime API of its own stands in for the Runtime Interface Emulator, which kills the
function and so leaves no profile: after the last event it closes the connection, and the
function's runtime loop ends with an error, a normal exit.

    pgo/train.py --profile-dir DIR BINARY                  # x86_64
    pgo/train.py --profile-dir DIR --qemu BINARY           # aarch64, under qemu-aarch64

Needs what bench/run.py needs.
"""

import argparse
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import run
from tls import TlsFront

COLD_STARTS = 5
WARM_ROUNDS = 200


class RuntimeApi(http.server.ThreadingHTTPServer):
    """Lambda's runtime API for one function process: hands it `events` in turn and keeps its
    answers."""

    def __init__(self, events):
        super().__init__(("127.0.0.1", run.free_port()), Handler)
        self.events = list(enumerate(events))
        self.answers = {}
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if not self.server.events:
            self.close_connection = True  # no answer: the runtime loop ends
            return
        number, event = self.server.events.pop(0)
        body = json.dumps(event).encode()
        self.send_response(200)
        for name, value in [
            ("Lambda-Runtime-Aws-Request-Id", f"training-{number}"),
            ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:connect-rules"),
            ("Lambda-Runtime-Trace-Id", f"Root=1-00000000-{number:024x};Sampled=0"),
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
        ]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.answers[self.path.split("/")[-2]] = (self.path.split("/")[-1], body)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


def function(command, events, backend, environment):
    """One function process answering `events`, to its exit; fails unless each answer is a
    success and the process ended normally."""
    api = RuntimeApi(events)
    try:
        process = subprocess.run(command, env={
            **environment, **backend.trust("amazon"),
            "AWS_LAMBDA_RUNTIME_API": api.address, "AWS_ENDPOINT_URL_CONNECT": backend.url,
        }, capture_output=True, text=True, timeout=600)
    finally:
        api.shutdown()
        api.server_close()
    # Closing the connection ends the runtime loop with an error: exit code 1, and the profile
    # written. Anything else (a signal, a panic) writes none.
    if process.returncode != 1 or "the Lambda runtime stopped" not in process.stderr:
        raise SystemExit(f"the function did not end as expected (exit {process.returncode}):\n{process.stderr[-2000:]}")
    if len(api.answers) != len(events):
        raise SystemExit(f"the function answered {len(api.answers)} of {len(events)} events:\n{process.stderr[-2000:]}")
    for request, (kind, body) in api.answers.items():
        answer = json.loads(body)
        if kind != "response" or answer.get("status") != "ok":
            raise SystemExit(f"{request}: the function answered {kind} {body[:300]!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile-dir", required=True, help="where the function writes its raw profiles")
    parser.add_argument("--qemu", action="store_true", help="run an aarch64 binary under qemu-aarch64")
    parser.add_argument("binary")
    arguments = parser.parse_args()
    command = (["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"] if arguments.qemu else []) + [os.path.abspath(arguments.binary)]
    events = [run.load_event(name) for name in run.EVENTS]
    with tempfile.TemporaryDirectory(prefix="connect-rules-pgo-") as directory:
        rules = os.path.join(directory, "rules.yaml.compiled")
        subprocess.run([os.path.join(run.RELEASE, "connect-rules"), "compile", os.path.join(run.ROOT, "rules", "rules.yaml"),
                        "-o", rules], check=True, capture_output=True)
        environment = {
            "PATH": os.environ.get("PATH", ""), "RULES_FILE": rules,
            "LLVM_PROFILE_FILE": os.path.join(os.path.abspath(arguments.profile_dir), "%p-%m.profraw"),
            "AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local-secret", "AWS_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": "connect-rules", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_FUNCTION_TIMEOUT": "10",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/connect-rules", "AWS_LAMBDA_LOG_STREAM_NAME": "training",
            "AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO",
        }
        endpoint = run.Endpoint()
        front = TlsFront(endpoint)
        backends = [endpoint, front]
        try:
            for backend in backends:
                for event in events:
                    for _ in range(COLD_STARTS):
                        function(command, [event], backend, environment)
                function(command, events * WARM_ROUNDS, backend, environment)
        finally:
            front.close()
            endpoint.close()
    print(f"pgo/train.py: {len(backends) * len(events) * COLD_STARTS} cold starts and {len(backends) * WARM_ROUNDS} "
          f"warm rounds of {len(events)} events answered")


if __name__ == "__main__":
    main()
