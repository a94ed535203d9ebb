"""``REDIS_URL=rediss://…`` reaches every Redis client of the project over TLS.

Managed Redis services are mostly reached over TLS. Each case starts a real
``redis-server`` that speaks only TLS, with a certificate from a throwaway CA made by
the ``openssl`` command, and runs the example project in a fresh interpreter with that
``REDIS_URL``, as a server would start: the marketplace listing is cached there
(``X-Cache: MISS``, then ``HIT``) and the throttles count there.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import redis as redis_py
from django.db import connection

from config.settings import REDIS_SOCKET_TIMEOUT, cacheops_redis
from tests.factories import TokenFactory

PROJECT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not (shutil.which("openssl") and shutil.which("redis-server")),
    reason="needs the openssl command and a redis-server built with TLS",
)


def openssl(*arguments: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, arguments)], cwd=cwd, check=True, capture_output=True)


def signed_certificate(name: str, usage: str, directory: Path) -> None:
    """``<name>.key`` and ``<name>.crt``, signed by the CA in ``directory``."""
    extensions = directory / f"{name}.ext"
    extensions.write_text(
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature, keyEncipherment\n"
        f"extendedKeyUsage = {usage}\n"
        "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
        "authorityKeyIdentifier = keyid\n"
    )
    openssl(
        "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
        cwd=directory,
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", extensions, "-out", f"{name}.crt",
        cwd=directory,
    )  # fmt: skip


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    """A self-signed CA, a server certificate for 127.0.0.1 and a client certificate."""
    directory = tmp_path_factory.mktemp("tls")
    openssl(
        "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=django-tutor test CA",
        "-addext", "basicConstraints = critical, CA:TRUE",
        "-addext", "keyUsage = critical, keyCertSign, cRLSign",
        cwd=directory,
    )  # fmt: skip
    signed_certificate("server", "serverAuth", directory)
    signed_certificate("client", "clientAuth", directory)
    return directory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def tls_redis(certificates: Path, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Starts a Redis that speaks only TLS; returns its ``rediss://`` URL with ``query``."""
    servers: list[subprocess.Popen] = []

    def start(*, client_certificates: bool = False, **query: str) -> str:
        port = free_port()
        log = tmp_path / f"redis-{port}.log"
        server = subprocess.Popen(
            [
                "redis-server",
                "--port", "0",
                "--bind", "127.0.0.1",
                "--tls-port", str(port),
                "--tls-cert-file", certificates / "server.crt",
                "--tls-key-file", certificates / "server.key",
                "--tls-ca-cert-file", certificates / "ca.crt",
                "--tls-auth-clients", "yes" if client_certificates else "no",
                "--save", "",
                "--appendonly", "no",
                "--dir", tmp_path,
                "--logfile", log,
            ],
        )  # fmt: skip
        servers.append(server)
        url = f"rediss://127.0.0.1:{port}/0?" + urlencode(query, quote_via=quote)
        client = redis_py.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis_py.RedisError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log_text = log.read_text() if log.exists() else "(no log)"
                    pytest.fail(f"the TLS redis-server did not answer:\n{log_text}")
                time.sleep(0.05)
        client.close()
        return url

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=15)


def test_the_listing_cache_client_speaks_tls_with_short_timeouts(tls_redis, certificates):
    url = tls_redis(ssl_ca_certs=str(certificates / "ca.crt"))

    options = cacheops_redis(url)
    client = redis_py.Redis(**options)  # what cacheops does with a dict

    assert client.ping()
    pool_options = options["connection_pool"].connection_kwargs
    assert pool_options["ssl_ca_certs"] == str(certificates / "ca.crt")
    assert pool_options["socket_timeout"] == REDIS_SOCKET_TIMEOUT
    assert pool_options["socket_connect_timeout"] == REDIS_SOCKET_TIMEOUT
    assert pool_options["retry"].get_retries() == 0
    client.close()


# The example project in its own interpreter, its settings read from the environment:
# two listing requests as one signed-in user, their status and X-Cache into a file.
WORKER = """
import json
import sys

import django
from django.test import Client

django.setup()
client = Client(HTTP_AUTHORIZATION=f"Token {sys.argv[1]}")
answers = [client.get("/api/marketplace/tutors/") for _ in range(2)]
with open(sys.argv[2], "w") as output:
    json.dump([[answer.status_code, answer.get("X-Cache")] for answer in answers], output)
"""


def shared_database_url() -> str:
    """The URL of the test database this process made, for the worker to share."""
    database = connection.settings_dict
    password = f":{quote(database['PASSWORD'], safe='')}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{database['USER']}{password}@{host}:{port}/{database['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "tls",
    ["the server verified by a CA file", "the server not verified", "a client certificate"],
)
def test_the_listing_and_the_throttles_use_a_rediss_url(tls, tls_redis, certificates, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test database: PostgreSQL only")
    ca = str(certificates / "ca.crt")
    if tls == "the server verified by a CA file":
        url = tls_redis(ssl_ca_certs=ca)
    elif tls == "the server not verified":
        url = tls_redis(ssl_cert_reqs="none")
    else:
        url = tls_redis(
            client_certificates=True,
            ssl_ca_certs=ca,
            ssl_certfile=str(certificates / "client.crt"),
            ssl_keyfile=str(certificates / "client.key"),
        )
    token = TokenFactory().key
    answers = tmp_path / "answers.json"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "redis-tls-test-secret-key-not-for-production",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
    }

    worker = subprocess.run(
        [sys.executable, "-c", WORKER, token, str(answers)],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert worker.returncode == 0, worker.stderr
    assert json.loads(answers.read_text()) == [[200, "MISS"], [200, "HIT"]], worker.stdout
    keys = redis_py.Redis.from_url(url).keys("*")
    assert any(key.startswith(b"marketplace:list:") for key in keys), keys
    # django-redis' key of the listing's throttle (config.throttling's sorted set).
    assert any(key.startswith(b"tutor:1:atomic:throttle_") for key in keys), keys
