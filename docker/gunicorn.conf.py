"""gunicorn for the HTTP API and pages (the `web` service): sync workers, one request each at a time.

Chosen by measurement (issue 12, the same machine, the same empty DRF endpoint with token
authentication, two processes each): gunicorn sync 1,140 requests/s, uvicorn 342, daphne 343.
Django's views are synchronous; an event loop in front of them only adds a thread hop per request.
Websockets are served apart, by daphne (the `realtime` service), behind the same nginx.

    WEB_WORKERS       processes per container; default 2 × cores + 1 (the database does the waiting)
    WEB_TIMEOUT       seconds before a stuck worker is replaced (default 60: exports run on the job runner)
"""

import multiprocessing
import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = int(os.environ.get("WEB_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5  # nginx keeps its upstream connections open (docker/nginx.compose.conf)
# A worker is replaced after this many requests (± jitter), so slow leaks never grow for ever.
max_requests = 5000
max_requests_jitter = 500
# No preload: each worker opens its own database pool after the fork.
preload_app = False
accesslog = None  # nginx logs every request once
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES") or "127.0.0.1"


def post_worker_init(worker):
    """Load the views and build the in-memory indexes before the first request, not in it: the cell
    index (point location) takes about a second at 100,000 cells, importing every view another, and
    a worker is replaced every `max_requests` requests. A first report took 3.5 s, now 0.1 s."""
    try:
        from django.db import close_old_connections
        from django.urls import get_resolver

        from core import versions
        from disputes import reference
        from disputes.linkage import graph
        from grid.location import cells, regions

        get_resolver().url_patterns  # noqa: B018 - imports every view module
        with versions.reading():
            for cache in (cells, regions, reference.categories, reference.units, graph.chain):
                cache.get()
        close_old_connections()
    except Exception:  # noqa: BLE001 - the first request builds them instead
        worker.log.exception("could not build the in-memory indexes ahead of the first request")


def worker_exit(server, worker):
    """Send the realtime events this worker has handed over but not sent yet (realtime.publish.Sender)."""
    try:
        from realtime.publish import sender

        sender.flush(timeout=5)
    except Exception:  # noqa: BLE001 - a worker on its way out; the clients catch up from the database
        pass
