"""The production nginx example (deploy/nginx/canhgiac.conf) with a real nginx from Debian
(/usr/sbin/nginx, a prefix of its own, loopback ports of 19400-19499, a self-signed certificate
made here): the file as shipped passes `nginx -t`; run in front of the live server, it sends
plain HTTP to HTTPS, refuses bodies over 35 MB, and two citizens behind it (source addresses
127.0.0.2 and 127.0.0.3) get a rate limit each once nginx is a trusted proxy. Without
CANHGIAC_TRUSTED_PROXIES they share one, as the whole province would."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from django.core.cache import cache

from lib.ratelimit import fixed_clock, forget_reserved

ROOT = Path(__file__).resolve().parents[2]
SITE_CONF = ROOT / "deploy" / "nginx" / "canhgiac.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
PORTS = range(19400, 19500)
HOST = "canhgiac.example.gov.vn"

pytestmark = pytest.mark.real_service

MAIN_CONF = """
pid logs/nginx.pid;
error_log logs/error.log warn;
daemon off;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
  access_log logs/access.log;
  client_body_temp_path temp/client_body;
  proxy_temp_path temp/proxy;
  fastcgi_temp_path temp/fastcgi;
  uwsgi_temp_path temp/uwsgi;
  scgi_temp_path temp/scgi;
  include {site};
}}
"""


def free_ports(count: int) -> list[int]:
    ports = []
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    pytest.skip(f"no {count} free ports in {PORTS.start}-{PORTS.stop - 1} for nginx")


@pytest.fixture
def prefix(tmp_path) -> Path:
    """nginx's own prefix (logs, temp files, pid) and a self-signed certificate for HOST. As
    root, nginx's workers run as nobody and must write there too."""
    if not Path(NGINX).exists():
        pytest.skip(f"nginx not found at {NGINX}: apt-get install nginx")
    if not Path(OPENSSL).exists():
        pytest.skip(f"openssl not found at {OPENSSL}: apt-get install openssl")
    root = tmp_path / "nginx"
    for name in ("logs", "temp"):
        (root / name).mkdir(parents=True)
        (root / name).chmod(0o777)
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return root


def site_conf(prefix: Path, *, ports: tuple[int, int, int] | None = None) -> Path:
    """deploy/nginx/canhgiac.conf with the test certificate; with `ports` (http, https,
    upstream) also on loopback ports of ours in front of the live server."""
    text = SITE_CONF.read_text()
    text = re.sub(r"ssl_certificate (\S+);", f"ssl_certificate {prefix}/cert.pem;", text)
    text = re.sub(r"ssl_certificate_key (\S+);", f"ssl_certificate_key {prefix}/key.pem;", text)
    if ports:
        http_port, https_port, upstream = ports
        text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)  # loopback IPv4 only
        text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        text = text.replace("listen 443 ", f"listen 127.0.0.1:{https_port} ")
        text = text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    site = prefix / "canhgiac.conf"
    site.write_text(text)
    main = prefix / "nginx.conf"
    main.write_text(MAIN_CONF.format(site=site))
    return main


def test_the_nginx_example_is_valid(prefix):
    main = site_conf(prefix)
    done = subprocess.run(
        [NGINX, "-t", "-p", f"{prefix}/", "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


@pytest.fixture
def nginx(live_server, prefix):
    """The example config running in front of the live server: (http port, https port)."""
    http_port, https_port = free_ports(2)
    main = site_conf(prefix, ports=(http_port, https_port, live_server.thread.port))
    proc = subprocess.Popen(
        [NGINX, "-p", f"{prefix}/", "-c", str(main)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"nginx did not start: {out}")
                time.sleep(0.05)
        yield http_port, https_port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def tls_context(prefix: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(prefix / "cert.pem"))
    context.check_hostname = False  # we connect to 127.0.0.1; the certificate names HOST
    return context


def request(port: int, *, source: str, context=None, path: str = "/", headers=None):
    """One request to nginx from the loopback address `source`: (status, headers, body)."""
    if context is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))
    else:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=20, source_address=(source, 0), context=context
        )
    try:
        conn.request("GET", path, headers={"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture
def site(settings, prefix):
    settings.ALLOWED_HOSTS = [HOST]
    settings.LOOKUP_API_RATE_PER_IP = 2
    cache.clear()
    forget_reserved()
    with fixed_clock():  # a fixed window of a minute: never one that turns over mid-test
        yield tls_context(prefix)
    forget_reserved()


def check_from(source: str, port: int, context, *, forged: str = "") -> int:
    headers = {"X-Forwarded-For": forged} if forged else {}
    status, _headers, body = request(
        port, source=source, context=context, path="/api/lookup/check?q=vi-du-chua-co.vn",
        headers=headers,
    )  # fmt: skip
    if status == 200:
        assert json.loads(body)["value"]
    return status


@pytest.mark.django_db(transaction=True)
def test_two_clients_behind_nginx_get_their_own_limits(nginx, settings, site):
    _http, https = nginx
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert [check_from("127.0.0.2", https, site) for _ in range(3)] == [200, 200, 429]
    assert [check_from("127.0.0.3", https, site) for _ in range(2)] == [200, 200]
    # The first client's own X-Forwarded-For is kept by nginx, left of its real address: no
    # fresh limit for it.
    assert check_from("127.0.0.2", https, site, forged="198.51.100.77") == 429


@pytest.mark.django_db(transaction=True)
def test_without_trusted_proxies_clients_behind_nginx_share_one_limit(nginx, settings, site):
    _http, https = nginx
    settings.TRUSTED_PROXIES = []
    assert [check_from("127.0.0.2", https, site) for _ in range(2)] == [200, 200]
    assert check_from("127.0.0.3", https, site) == 429


@pytest.mark.django_db(transaction=True)
def test_nginx_sends_http_to_https_and_refuses_bodies_over_35_mb(nginx, site):
    http_port, https = nginx
    status, headers, _ = request(http_port, source="127.0.0.2", path="/tra-cuu?q=1")
    assert status == 301 and headers["Location"] == f"https://{HOST}/tra-cuu?q=1"
    conn = http.client.HTTPSConnection("127.0.0.1", https, timeout=20, context=site)
    try:
        conn.putrequest("POST", "/api/reports/", skip_host=True)
        conn.putheader("Host", HOST)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(36 * 1024 * 1024))
        conn.endheaders()
        assert conn.getresponse().status == 413  # before a byte of the body was sent
    finally:
        conn.close()
