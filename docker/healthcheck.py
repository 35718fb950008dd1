"""Container health check: GET /healthz on the local daphne; exit 0 when it answers {"status": "ok"}.

    python docker/healthcheck.py [port]        (port 8000 by default, as in the image's CMD)

The request carries a Host header Django accepts (the first ALLOWED_HOSTS entry), so the
check works whatever public host name the deployment uses. Standard library only.
"""

import http.client
import json
import os
import sys


def host_header():
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    for host in hosts:
        if host != "*":
            return host.lstrip(".")  # ".example.org" allows example.org and its subdomains
    return "localhost"


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        connection.request("GET", "/healthz", headers={"Host": host_header()})
        response = connection.getresponse()
        body = response.read()
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if response.status != 200:
        print(f"unhealthy: HTTP {response.status}", file=sys.stderr)
        return 1
    try:
        status = json.loads(body).get("status")
    except (ValueError, AttributeError):
        status = None
    if status != "ok":
        print(f"unhealthy: {body[:200]!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
