"""TLS in front of the local Connect endpoint for bench/run.py: a function's first call then
makes a TLS handshake as it would with Connect."""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading


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
        self.url = f"https://localhost:{self.port}"
        threading.Thread(target=self.accept, daemon=True).start()

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
        self.listener.close()
        shutil.rmtree(self.directory)


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
