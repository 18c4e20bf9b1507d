"""Starts the real hookrouter binary on loopback for end-to-end tests, and signs requests the way
providers do. Standard library only, but for pg8000 on the PostgreSQL store.

One parameter runs the suites on either store: HOOKROUTER_TEST_STORE=postgres (with
HOOKROUTER_TEST_POSTGRES, the URL scripts/postgres prints) gives every Router a database of its own
on that server; `Router.db()` then answers the same SQL there, and `command_env` points the CLI at
it. Unset (or `sqlite`), routers use their data directory's SQLite file."""
import hashlib
import hmac
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("HOOKROUTER_BIN", os.path.join(ROOT, ".build", "debug", "hookrouter"))

STORE = os.environ.get("HOOKROUTER_TEST_STORE", "sqlite")
ON_POSTGRES = STORE == "postgres"
if STORE not in ("sqlite", "postgres"):
    raise RuntimeError("HOOKROUTER_TEST_STORE is sqlite or postgres, not %r" % STORE)
if ON_POSTGRES and not os.environ.get("HOOKROUTER_TEST_POSTGRES"):
    raise RuntimeError("HOOKROUTER_TEST_STORE=postgres needs HOOKROUTER_TEST_POSTGRES (scripts/postgres start DIR prints it)")

# Each PostgreSQL router's store URL, by its data directory (for `command_env`).
_STORES = {}

FISCAL_SECRET = "e2e-fiscal-secret"
ODOO_KEY = "e2e-odoo-key"

# A self-contained config: the test owns every secret and limit it asserts on.
CONFIG = """
settings:
  http: { header_timeout: 1s, body_timeout: 2s, keepalive_timeout: 5s }
sources:
  fiscal:
    adapter: hmac
    path: /in/fiscal
    secret: %(fiscal)s
    type: evento
    id: { path: dados.chave }
    max_body: 64KiB
  odoo:
    adapter: odoo
    path: /in/odoo
    auth: { header: { name: X-API-Key, value: %(odoo)s } }
    require:
      credentials_sync: [account_id, odoo_password]
    redact: [odoo_password]
  limited:
    adapter: hmac
    path: /in/limited
    secret: %(fiscal)s
    rate_limit: 3/min
  private:
    adapter: hmac
    path: /in/private
    secret: %(fiscal)s
    allow_ips: ["10.0.0.0/8"]
targets:
  accounting: { url: "http://127.0.0.1:9/accounting" }
  warehouse: { url: "http://127.0.0.1:9/warehouse" }
  config-service: { url: "http://127.0.0.1:9/config" }
routes:
  - { name: nfe-to-accounting, from: fiscal, events: [nfe_importada, cte_importado], to: [accounting] }
  - { name: nfe-to-warehouse, from: fiscal, events: [nfe_importada], to: [warehouse] }
  - { name: odoo-config, from: odoo, to: [config-service] }
""" % {"fiscal": FISCAL_SECRET, "odoo": ODOO_KEY}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fiscal_body(chave, evento="nfe_importada", extra=""):
    return ('{"evento":"%s","timestamp":"2026-11-18T08:32:05-03:00","dados":{"chave":"%s"%s}}' % (evento, chave, extra)).encode()


def sign(body, secret=FISCAL_SECRET):
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Router:
    """One running `hookrouter serve` with its own config and data directories."""

    def __init__(self, config=CONFIG, data=None, nofile=None):
        self.nofile = nofile  # an open-file limit (soft and hard) for the process
        self.dir = tempfile.mkdtemp(prefix="hookrouter-e2e-")
        self.config_dir = os.path.join(self.dir, "routes.d")
        os.mkdir(self.config_dir)
        with open(os.path.join(self.config_dir, "e2e.yaml"), "w") as f:
            f.write(config)
        self.data = data or os.path.join(self.dir, "data")
        self.port = free_port()
        self.admin_port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, "stderr.log")
        self.store = _STORES.get(self.data) or (new_postgres_database() if ON_POSTGRES else None)
        if self.store:
            _STORES[self.data] = self.store

    def start(self):
        self.log = open(self.log_path, "ab")
        env = dict(os.environ, SWIFT_BACKTRACE="enable=no")
        if self.store:
            env["HOOKROUTER_STORE"] = self.store
        self.proc = subprocess.Popen([BINARY, "serve", "--config", self.config_dir, "--data", self.data,
                                      "--listen", "127.0.0.1:%d" % self.port, "--admin", "127.0.0.1:%d" % self.admin_port],
                                     stderr=self.log, env=env, preexec_fn=self._limit if self.nofile else None)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("hookrouter exited %s:\n%s" % (self.proc.returncode, self.logs()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("hookrouter did not listen in time:\n" + self.logs())

    def _limit(self):
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        code = self.proc.returncode if self.proc else None
        self.proc = None
        self.log.close()
        return code

    def admin(self, method, path, body=None, token=None):
        """(status, headers, body bytes) of one admin API call."""
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=10)
        headers = {"Authorization": "Bearer " + token} if token else {}
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def db(self):
        """A DB-API connection to this router's store: its SQLite file, or its PostgreSQL database."""
        if self.store:
            return PostgresDB(self.store)
        import sqlite3
        return sqlite3.connect(os.path.join(self.data, "hookrouter.db"))

    def stored_body(self, source, event_id):
        """The body stored for (source, event_id), as bytes: PostgreSQL's column, or on SQLite the
        record in the body log its row points at (checked against its CRC-32C)."""
        db = self.db()
        try:
            if self.store:
                row = db.execute("select body from events where source=? and event_id=?", (source, event_id)).fetchone()
                return bytes(row[0])
            segment, offset, length, body = db.execute(
                "select log_segment, log_offset, log_length, body from events where source=? and event_id=?", (source, event_id)).fetchone()
        finally:
            db.close()
        if segment is None:
            return bytes(body)
        with open(os.path.join(self.data, "bodies", "%08d.log" % segment), "rb") as f:
            f.seek(offset)
            record = f.read(length)
        return log_record_fields(record)[-1]


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def log_record_fields(record):
    """A body log record's eight length-prefixed fields (source, event_id, type, content_type, plan,
    headers, attributes, body), after checking its magic, length and CRC (LogRecord.swift)."""
    magic, length, crc = struct.unpack_from("<III", record)
    assert magic == 0x31425248 and length == len(record), "not a whole body log record"
    assert crc32c(record[12:]) == crc, "the body log record's CRC does not match"
    at, fields = 12 + 4 * 8 + 1, []
    for _ in range(8):
        (n,) = struct.unpack_from("<I", record, at)
        fields.append(record[at + 4:at + 4 + n])
        at += 4 + n
    return fields


def command_env(*args):
    """The environment for a `hookrouter` command given ARGS: with `--data DIR` of a router on
    PostgreSQL, HOOKROUTER_STORE names its database (as `serve` was given it)."""
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no")
    args = list(args)
    if "--data" in args and args.index("--data") + 1 < len(args):
        store = _STORES.get(args[args.index("--data") + 1])
        if store:
            env["HOOKROUTER_STORE"] = store
    return env


def _pg_connect(url):
    import pg8000.dbapi
    from urllib.parse import urlparse
    u = urlparse(url)
    return pg8000.dbapi.connect(user=u.username, password=u.password, host=u.hostname, port=u.port, database=u.path.lstrip("/"))


def new_postgres_database():
    """A fresh database on the test server; its URL."""
    import uuid
    base = os.environ["HOOKROUTER_TEST_POSTGRES"]
    name = "e2e_" + uuid.uuid4().hex[:12]
    c = _pg_connect(base)
    c.autocommit = True
    c.cursor().execute("CREATE DATABASE " + name)
    c.close()
    return base.rsplit("/", 1)[0] + "/" + name


class _Rows:
    """A cursor's rows as tuples, as sqlite3 gives them (pg8000 gives lists)."""

    def __init__(self, cursor):
        self.cursor = cursor

    def fetchone(self):
        row = self.cursor.fetchone()
        return tuple(row) if row is not None else None

    def fetchall(self):
        return [tuple(r) for r in self.cursor.fetchall()]

    def __iter__(self):
        return iter(self.fetchall())


class PostgresDB:
    """sqlite3's connection as the tests use it (execute with `?` parameters, fetchone/fetchall,
    a context manager), on a PostgreSQL database; autocommit, like the reads the tests make."""

    def __init__(self, url):
        self.conn = _pg_connect(url)
        self.conn.autocommit = True

    def execute(self, sql, params=()):
        cursor = self.conn.cursor()
        cursor.execute(sql.replace("?", "%s"), tuple(params))
        return _Rows(cursor)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    # `router.db().execute(...)` drops the connection at once: close its socket then, as sqlite3 would.
    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def raw_exchange(port, payload, read_timeout=5.0):
    """Sends raw bytes, returns everything the server sent until it closed (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(read_timeout)
    s.sendall(payload)
    chunks = []
    closed = False
    try:
        while True:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            chunks.append(b)
    except socket.timeout:
        pass
    s.close()
    return b"".join(chunks), closed


def responses(raw):
    """(status, body) of each HTTP response in a raw byte stream, in order, framed by Content-Length."""
    out = []
    while raw:
        head_end = raw.find(b"\r\n\r\n")
        if head_end < 0:
            break
        lines = raw[:head_end].split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        body = raw[head_end + 4:head_end + 4 + length]
        raw = raw[head_end + 4 + length:]
        if status != 100:
            out.append((status, body))
    return out


def statuses(raw):
    return [s for s, _ in responses(raw)]


def post(port, path, body, headers=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("POST", path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    return r.status, dict(r.getheaders()), (json.loads(data) if data else None)
