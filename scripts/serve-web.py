#!/usr/bin/env python3
"""Serves the web demo (examples/mnist/web) on localhost.

    scripts/serve-web.py [--port 8000] [--bind 127.0.0.1] [--dir examples/mnist/web] [--no-isolation]

The page is served cross-origin isolated (Cross-Origin-Opener-Policy: same-origin,
Cross-Origin-Embedder-Policy: require-corp), which browsers require before they give a page
SharedArrayBuffer: the training worker then uses the threaded module (mnist-web-mt). Without
these headers (a plain static host, or --no-isolation) the page still works, training on one
thread. Port 0 picks a free port. The first line printed is
"serving DIR at http://HOST:PORT/".
"""

import argparse
import errno
import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".gguf": "application/octet-stream",
        ".gz": "application/octet-stream",  # the page decompresses it itself
    }

    isolate = True

    def end_headers(self):
        if self.isolate:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt, *args):
        if os.environ.get("SERVE_WEB_QUIET") != "1":
            super().log_message(fmt, *args)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that stops a download (a closed tab, an aborted fetch) is not an error.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description="Serve the MNIST web demo.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--dir", default=os.path.join(root, "examples", "mnist", "web"))
    parser.add_argument("--no-isolation", action="store_true",
                        help="leave out the cross-origin isolation headers (the page then trains on one thread)")
    args = parser.parse_args()
    Handler.isolate = not args.no_isolation

    if not os.path.exists(os.path.join(args.dir, "mnist-web.wasm")):
        print(f"serve-web: {args.dir}/mnist-web.wasm is missing; run scripts/build-web.sh first", file=sys.stderr)
        return 1
    handler = functools.partial(Handler, directory=args.dir)
    try:
        server = Server((args.bind, args.port), handler)
    except OSError as err:
        hint = " (another server is using it; pick another with --port, or --port 0 for a free one)" \
            if err.errno == errno.EADDRINUSE else ""
        print(f"serve-web: cannot listen on {args.bind}:{args.port}: {err.strerror}{hint}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    print(f"serving {args.dir} at http://{host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
