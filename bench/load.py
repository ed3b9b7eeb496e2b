"""Load test: the production server (gunicorn) on the scale data, driven from a second process.

    DATABASE_URL=sqlite:////tmp/scale.sqlite3 python bench/load.py [--seconds 10] [--threads 8]

Starts gunicorn (WORKERS processes × THREADS threads, production settings, static files through
whitenoise from a temporary collectstatic) on 127.0.0.1, waits for /healthz, then for each
target runs a client process with N threads for a fixed time (and at most --max-requests
requests), and reports requests/s and p99 latency, each as a ratio to /healthz measured the same
way. Every target is loaded twice: "cold" (a new URL per request: ?_=n, so every request misses
the page cache and renders) and "warm" (the same URL: what repeat visitors get). The server is
stopped at the end, whatever happens. Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS, THREADS = 2, 4  # documented in bench/README.md: one worker per core, threads for I/O
HOST = "127.0.0.1"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _environment(static_root: str) -> dict:
    env = dict(os.environ)
    env.update({"SAMSTYRING_ENV": "production", "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(45), "ALLOWED_HOSTS": HOST,
                "SECURE_SSL_REDIRECT": "false", "STATIC_ROOT": static_root,
                "LOG_LEVEL": "WARNING"})
    return env


def _python() -> str:
    return sys.executable


def start_server(port: int, env: dict) -> subprocess.Popen:
    subprocess.run([_python(), "-m", "django", "collectstatic", "--noinput", "-v0"],  # noqa: S603
                   cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": "config.settings"},
                   check=True)
    server = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
        [_python(), "-m", "gunicorn", "config.wsgi", "-k", "gthread", "--workers", str(WORKERS),
         "--threads", str(THREADS), "--bind", f"{HOST}:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if _get(port, "/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the master and its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _get(port: int, path: str, connection=None) -> tuple[int, bytes]:
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers={"Host": HOST})
    response = conn.getresponse()
    body = response.read()
    if connection is None:
        conn.close()
    return response.status, body


def _drive(port: int, path: str, seconds: float, threads: int, max_requests: int,
           cold: bool, queue) -> None:
    """The client process: ``threads`` keep-alive connections hammering ``path``."""
    times: list[float] = []
    errors = [0]
    counter = iter(range(10**9))
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter)
                if n >= max_requests:
                    return
            url = f"{path}{'&' if '?' in path else '?'}_={n}" if cold else path
            began = time.perf_counter()
            try:
                status, _ = _get(port, url, conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                status = 0
            elapsed = time.perf_counter() - began
            with lock:
                times.append(elapsed)
                if status != 200:
                    errors[0] += 1
        conn.close()

    began = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - began
    queue.put({"requests": len(times), "errors": errors[0], "seconds": wall,
               "rps": len(times) / wall if wall else 0,
               "p50_ms": statistics.median(times) * 1000 if times else 0,
               "p99_ms": (statistics.quantiles(times, n=100, method="inclusive")[98] * 1000
                          if len(times) > 1 else (times[0] * 1000 if times else 0))})


def load(port: int, path: str, *, seconds: float, threads: int, max_requests: int,
         cold: bool) -> dict:
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_drive, args=(port, path, seconds, threads, max_requests, cold, queue))
    process.start()
    result = queue.get(timeout=seconds + 120)
    process.join(timeout=30)
    return result


def targets() -> list[tuple[str, str]]:
    """The main public pages with real rows (the biggest: the worst case)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db.models import Count

    from register.models import Organisation
    from structure.models import Body

    oslo = (Organisation.objects.filter(kind="municipality", number="0301").first()
            or Organisation.objects.first())
    body = Body.objects.annotate(n=Count("seats")).order_by("-n", "pk").first()
    if oslo is None or body is None:
        raise SystemExit("bench/load.py: no data: generate the scale data first "
                         "(bench/README.md)")
    return [("home", "/"), ("organisation list", "/organisasjoner/"),
            ("organisation (Oslo)", oslo.get_absolute_url()), ("body list", "/organer/"),
            ("body (most seats)", body.get_absolute_url()),
            ("GET /api/organisations", "/api/organisations")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="per target and mode")
    parser.add_argument("--threads", type=int, default=8, help="client threads (connections)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per target and mode")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "load.json"))
    args = parser.parse_args(argv)

    pages = targets()
    static_root = tempfile.mkdtemp(prefix="samstyring-static-")
    port = _free_port()
    server = start_server(port, _environment(static_root))
    rows = []
    try:
        run = dict(seconds=args.seconds, threads=args.threads, max_requests=args.max_requests)
        trivial = load(port, "/healthz", cold=False, **run)
        for name, path in pages:
            for cold in (True, False):
                result = load(port, path, cold=cold, **run)
                rows.append({"name": name, "path": path, "mode": "cold" if cold else "warm",
                             **result, "rps_ratio": result["rps"] / trivial["rps"],
                             "p99_ratio": result["p99_ms"] / trivial["p99_ms"]})
    finally:
        stop_server(server)
        shutil.rmtree(static_root, ignore_errors=True)

    print(f"gunicorn gthread {WORKERS} workers × {THREADS} threads on {HOST}:{port}; client: "
          f"{args.threads} threads, {args.seconds:g} s or {args.max_requests} requests each\n"
          f"trivial (/healthz, one DB ping): {trivial['rps']:.0f} req/s, "
          f"p99 {trivial['p99_ms']:.1f} ms")
    print(f"{'page':<24} {'mode':<5} {'req/s':>7} {'× trivial':>9} {'p99 ms':>8} "
          f"{'p99 ×':>6} {'errors':>6}")
    for row in rows:
        print(f"{row['name']:<24} {row['mode']:<5} {row['rps']:>7.0f} {row['rps_ratio']:>9.2f} "
              f"{row['p99_ms']:>8.1f} {row['p99_ratio']:>6.1f} {row['errors']:>6}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"workers": WORKERS, "threads": THREADS, "client": vars(args),
                               "trivial": trivial, "pages": rows}, indent=2) + "\n")
    print(f"JSON: {out}")
    return 1 if any(row["errors"] for row in rows) or trivial["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
