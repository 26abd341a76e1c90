"""serve.py PORT ROOT HITS — a tiny HTTP/1.0 server for tests/revocation.rs: GET serves
ROOT/<basename>, POST answers 404; every request is appended to HITS ("METHOD PATH"), so a
test can prove that verifying a message makes no request at all."""
import http.server
import os
import sys

port, root, hits = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def hit(self):
        with open(hits, "a") as f:
            f.write(f"{self.command} {self.path}\n")

    def do_GET(self):
        self.hit()
        path = os.path.join(root, os.path.basename(self.path.split("?")[0]))
        if not os.path.isfile(path):
            self.send_response(404)
            self.end_headers()
            return
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.hit()
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
