"""How production serves HTTP: the old single daphne process against gunicorn's sync workers, and
the same behind nginx as docker/compose.yml runs it — requests per second side by side, in one run.

    .venv/bin/python bench/servers.py                 # 8 s per measurement, 16 connections
    .venv/bin/python bench/servers.py --seconds 4 --connections 32

Needs `wrk` (apt-get install wrk) and, for the proxy row, `nginx` (apt-get install nginx-light).
A database of its own (gridgov_bench_servers on BENCH_POSTGRES_URL) with the standard categories
and one user with an API token; DEBUG off, no Redis, as production minus the channel layer.

Two endpoints: /healthz (the bare endpoint: routing, middleware, SELECT 1: the baseline) and
/api/categories/ (DRF with token authentication, one query, the tree with its search terms).
The figures are ratios on a shared 2-core machine where wrk itself takes part of a core.
"""

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # run as a script; imported, the importer has it
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _postgis import ROOT, SERVER, fresh_database, setup_django  # noqa: E402

DATABASE = "gridgov_bench_servers"
ENV = {
    "DATABASE_URL": f"{SERVER}/{DATABASE}",
    "DEBUG": "0",
    "REDIS_URL": "",
    "SECRET_KEY": "gridgov-bench-not-a-secret",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "ERROR",
}


def prepare(keep):
    fresh = fresh_database(DATABASE, keep)
    with_postgis = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE, "-qc", "CREATE EXTENSION IF NOT EXISTS postgis"],
        capture_output=True,
    )
    if with_postgis.returncode:
        raise SystemExit(with_postgis.stderr.decode())
    setup_django(DATABASE)
    from django.core.management import call_command

    if fresh:
        call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(username="bench-servers")
    return Token.objects.get_or_create(user=user)[0].key


def wait_for(port, process):
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on {port} stopped")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"nothing answered on {port}")


def gunicorn_command(port):
    """gunicorn as production runs the HTTP API (docker/gunicorn.conf.py), on 127.0.0.1:`port`."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    return [gunicorn, "-c", "docker/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "config.wsgi:application"]


def start(command, port, **extra):
    env = {**os.environ, **ENV, **extra}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    wait_for(port, process)
    return process


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def nginx(static_root, port, upstream):
    folder = Path(tempfile.mkdtemp(prefix="gridgov-nginx-"))
    site = (ROOT / "docker" / "nginx.compose.conf").read_text()
    site = site.replace("server web:8000;", f"server 127.0.0.1:{upstream};")
    site = site.replace("server realtime:8001;", "server 127.0.0.1:9;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("/srv/static/", f"{static_root}/")
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nworker_processes 1;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {folder}; proxy_temp_path {folder};"
        f" include /etc/nginx/mime.types; include {folder}/site.conf; }}\n"
    )
    process = subprocess.Popen(["nginx", "-c", str(folder / "nginx.conf"), "-g", "daemon off;"], start_new_session=True)
    wait_for(port, process)
    return process


LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
RATE = re.compile(r"Requests/sec:\s+([\d.]+)")


def wrk(port, path, token, seconds, connections):
    headers = ["-H", "Host: 127.0.0.1"]
    if token:
        headers += ["-H", f"Authorization: Token {token}"]
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {int(p): float(v) * scale[u] for p, v, u in LATENCY.findall(out)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(RATE.search(out).group(1)), latency.get(50), latency.get(99), int(errors.group(1)) if errors else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="reuse the database of an earlier run")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed: apt-get install {'wrk' if tool == 'wrk' else 'nginx-light'}")
    token = prepare(args.keep)
    static_root = Path(tempfile.mkdtemp(prefix="gridgov-static-"))
    static_root.chmod(0o755)  # nginx's workers read it as another user
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **ENV, "STATIC_ROOT": str(static_root)},
        check=True,
    )
    bin_dir = Path(sys.executable).parent
    cores = multiprocessing.cpu_count()
    workers = cores * 2 + 1
    rows = []
    load = os.getloadavg()[0]

    def measure(name, port):
        for label, path, auth in (("/healthz", "/healthz", None), ("/api/categories/", "/api/categories/", token)):
            wrk(port, path, auth, 2, args.connections)  # warm-up: every worker has loaded what it needs
            rate, p50, p99, errors = wrk(port, path, auth, args.seconds, args.connections)
            rows.append((name, label, rate, p50, p99, errors))

    daphne = start(
        [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", "8101", "config.asgi:application"],
        8101,
        DB_POOL_MAX_SIZE="10",
    )
    try:
        measure("daphne × 1 (before)", 8101)
    finally:
        stop(daphne)
    gunicorn = start(
        gunicorn_command(8102),
        8102,
        DB_POOL_MIN_SIZE="1",
        DB_POOL_MAX_SIZE="2",
        WEB_WORKERS=str(workers),
    )
    try:
        measure(f"gunicorn sync × {workers}", 8102)
        proxy = nginx(static_root, 8103, 8102)
        try:
            measure(f"nginx → gunicorn × {workers}", 8103)
            rate, p50, p99, errors = wrk(8103, "/static/frontend/build/phone.js", None, args.seconds, args.connections)
            rows.append(("nginx (static file)", "phone.js", rate, p50, p99, errors))
        finally:
            stop(proxy)
    finally:
        stop(gunicorn)
    shutil.rmtree(static_root, ignore_errors=True)

    print(f"gridgov servers · PostGIS · {cores} cores · {args.connections} connections · {args.seconds} s each")
    print(f"load average {load:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    print(f"{'server':<28} {'endpoint':<18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    base = {label: rate for name, label, rate, *_ in rows if name.startswith("daphne")}
    for name, label, rate, p50, p99, errors in rows:
        ratio = f"  ×{rate / base[label]:.1f}" if label in base and not name.startswith("daphne") else ""
        print(f"{name:<28} {label:<18} {rate:>9,.0f} {p50 or 0:>8.2f} {p99 or 0:>8.2f} {errors:>7}{ratio}")


if __name__ == "__main__":
    main()
