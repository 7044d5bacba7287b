#!/usr/bin/env python3
"""A real RFC 3161 time-stamp authority for tests: `openssl ts -reply`.

  tsa.py init DIR        a CA, a TSA certificate it issued (extendedKeyUsage
                         critical timeStamping) and the TSA's openssl config;
                         DIR/ca.pem is the trust anchor verifiers take
  tsa.py reply DIR       a DER TimeStampReq on stdin -> the TimeStampResp
  tsa.py serve DIR       HTTP on 127.0.0.1 (POST application/timestamp-query,
                         answers application/timestamp-reply); prints the port.
                         A file DIR/down makes it answer 503 (an outage).

Each time-stamp is made by the openssl binary; nothing here speaks ASN.1.
"""
import http.server
import os
import subprocess
import sys

CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ req ]
distinguished_name = dn
[ dn ]
[ tsa_ext ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
"""


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


def init(d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tsa.cnf"), "w") as f:
        f.write(CONFIG.format(dir=d))
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("01\n")
    j = lambda n: os.path.join(d, n)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", j("ca.key"), "-out", j("ca.pem"), "-days", "3650", "-subj", "/CN=Changeledger test TSA CA")
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", j("tsa.key"), "-out", j("tsa.csr"), "-subj", "/CN=Changeledger test TSA",
        "-config", j("tsa.cnf"))
    run("openssl", "x509", "-req", "-in", j("tsa.csr"), "-CA", j("ca.pem"), "-CAkey", j("ca.key"),
        "-CAcreateserial", "-out", j("tsa.pem"), "-days", "3650", "-extfile", j("tsa.cnf"),
        "-extensions", "tsa_ext")


def reply(d, query):
    return run("openssl", "ts", "-reply", "-config", os.path.join(d, "tsa.cnf"), "-queryfile", "/dev/stdin",
               "-out", "/dev/stdout", input=query).stdout


def serve(d):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            if os.path.exists(os.path.join(d, "down")):
                self.send_error(503)
                return
            n = int(self.headers.get("Content-Length", "0"))
            if self.headers.get("Content-Type") != "application/timestamp-query" or n > 10000:
                self.send_error(400)
                return
            try:
                body = reply(d, self.rfile.read(n))
            except subprocess.CalledProcessError:
                self.send_error(400)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    cmd, d = sys.argv[1], os.path.abspath(sys.argv[2])
    if cmd == "init":
        init(d)
    elif cmd == "reply":
        sys.stdout.buffer.write(reply(d, sys.stdin.buffer.read()))
    elif cmd == "serve":
        serve(d)
    else:
        sys.exit("usage: tsa.py init|reply|serve DIR")
