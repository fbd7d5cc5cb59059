"""TLS in front of the local Connect endpoint for bench/run.py: a function's first call then
makes a TLS handshake as it would with Connect. FRONT_RTT_MS (unset: none) puts a round trip
of that many milliseconds between the functions and the front, as between Lambda and Connect.
"""

import os
import queue
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time


# What each trust store of Endpoint.trust holds, as a file of certificates.
STORES = {
    "system": lambda endpoint: endpoint.system_bundle,
    "amazon": lambda endpoint: os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                            "src", "execute", "amazon-roots.pem"),
}


class TlsFront:
    """TLS in front of the local endpoint, so that a function's first call makes a TLS
    handshake as it would with Connect, and with it the crypto library's first use of
    randomness. A function trusts the front's certificate authority through SSL_CERT_FILE: its
    own trust store (Endpoint.trust) with the authority added, so that loading it costs what
    it costs on Lambda, plus one certificate."""

    def __init__(self, endpoint):
        self.directory = tempfile.mkdtemp(prefix="connect-rules-bench-tls-")
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(*self.certificate(endpoint))
        self.backend = endpoint.port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()
        rtt_ms = float(os.environ.get("FRONT_RTT_MS", "0"))
        self.distance = Distance(self.port, rtt_ms) if rtt_ms > 0 else None
        self.url = f"https://localhost:{self.distance.port if self.distance else self.port}"

    def certificate(self, endpoint):
        """A throwaway authority and a certificate for localhost signed by it."""
        path = lambda name: os.path.join(self.directory, name)
        openssl = lambda *arguments: subprocess.run(["openssl", *arguments], check=True, capture_output=True)
        curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        openssl("req", "-x509", *curve, "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "1", "-subj", "/CN=connect-rules bench")
        openssl("req", *curve, "-keyout", path("localhost.key"), "-out", path("localhost.csr"), "-subj", "/CN=localhost")
        with open(path("extensions"), "w") as extensions:
            extensions.write("subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        openssl("x509", "-req", "-in", path("localhost.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                "-CAcreateserial", "-days", "1", "-extfile", path("extensions"), "-out", path("localhost.pem"))
        for store, certificates in STORES.items():
            with open(path(f"{store}.pem"), "w") as bundle:
                bundle.write(open(certificates(endpoint)).read())
                bundle.write(open(path("ca.pem")).read())
        return path("localhost.pem"), path("localhost.key")

    def trust(self, store):
        return {"SSL_CERT_FILE": os.path.join(self.directory, f"{store}.pem")}

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            threading.Thread(target=self.relay, args=(client,), daemon=True).start()

    def relay(self, client):
        try:
            secure = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()
            return
        backend = socket.create_connection(("127.0.0.1", self.backend))
        # Without this, Nagle's algorithm and delayed ACKs add 40 ms to a relayed request.
        for end in (secure, backend):
            end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pump, args=(backend, secure), daemon=True).start()
        pump(secure, backend)

    def close(self):
        if self.distance:
            self.distance.listener.close()
        self.listener.close()
        shutil.rmtree(self.directory)


class Distance:
    """A TCP relay that delivers every chunk half a round trip after it was sent, each way, so
    that the handshake's two flights and each request wait a round trip as on a network. The
    TCP handshake itself is not delayed (the kernel completes it), so a first call here waits
    one round trip less than it would on a network."""

    def __init__(self, backend, rtt_ms):
        self.backend, self.delay = backend, rtt_ms / 2000
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            backend = socket.create_connection(("127.0.0.1", self.backend))
            for end in (client, backend):
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for source, sink in ((client, backend), (backend, client)):
                threading.Thread(target=self.carry, args=(source, sink), daemon=True).start()

    def carry(self, source, sink):
        """Reads from `source` and hands each chunk, stamped with when it is due, to a thread
        that writes it to `sink` then, in order."""
        chunks = queue.Queue()

        def deliver():
            while (chunk := chunks.get()) is not None:
                due, data = chunk
                time.sleep(max(0.0, due - time.monotonic()))
                try:
                    sink.sendall(data)
                except OSError:
                    break
            # Either side closing ends both directions; each socket is closed by the
            # direction that writes to it.
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            sink.close()

        threading.Thread(target=deliver, daemon=True).start()
        try:
            while data := source.recv(65536):
                chunks.put((time.monotonic() + self.delay, data))
        except OSError:
            pass
        chunks.put(None)


def pump(source, sink):
    """Copies bytes from one socket to the other until either side closes."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
