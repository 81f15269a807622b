#!/usr/bin/env python3
"""partnerdesk's load benchmark.

Starts the release server on the benchmark dataset (`partnerdesk seed --bench`), measures
pages with wrk, and prints one line per page: requests per second, p50 and p99 latency,
and the ratio of its throughput to the baseline (/about, a fixed page that reads no
database), on SQLite and PostgreSQL, at 1,000 and 1,000,000 invoices. Then the goals:
latency at 1,000,000 invoices against 1,000, the partner page against the baseline, p99
during a storm of 20 concurrent logins, memory under 64 connections, and the time from
`demo` to its first response.

Needs: wrk (Debian: apt-get install wrk), python3, and for PostgreSQL a server reachable at
$BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432) plus psql.
Datasets are kept under target/bench/ and reused; the 1,000,000-invoice ones take a while
to make the first time (see bench/README.md).
"""

import argparse
import html
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "partnerdesk")
WORK = os.path.join(ROOT, "target", "bench")
PASSWORD = "partnerdesk-demo"
AGENCY = "agency@bench.test"
CLIENT = "client@bench.test"
SESSION_KEY = "bench-session-key-bench-session-key-0123456789"
DEEP_PAGES = 200


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- datasets -----------------------------------------------------------------------


def psql(url, sql, database="postgres"):
    out = subprocess.run(
        ["psql", "-X", "-tA", "-d", f"{url}/{database}", "-c", sql],
        capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def seed(database_url, invoices):
    log(f"making the dataset of {invoices:,} invoices in {database_url} (once)")
    started = time.time()
    subprocess.run(
        [BINARY, "seed", "--bench", "--invoices", str(invoices)],
        env={**os.environ, "DATABASE_URL": database_url, "RUST_LOG": "warn"},
        check=True,
    )
    log(f"dataset made in {time.time() - started:.0f} s")


def dataset(backend, invoices, postgres_url):
    """The DATABASE_URL of the dataset, made if missing."""
    if backend == "sqlite":
        path = os.path.join(WORK, f"sqlite-{invoices}.db")
        done = path + ".done"
        if not os.path.exists(done):
            for suffix in ("", "-wal", "-shm", ".done"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            seed(path, invoices)
            open(done, "w").close()
        return path
    name = f"partnerdesk_bench_{invoices}"
    url = f"{postgres_url}/{name}"
    exists = psql(postgres_url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    complete = exists and psql(
        postgres_url, "SELECT count(*) FROM invoices", database=name
    ) == str(invoices)
    if not complete:
        psql(postgres_url, f'DROP DATABASE IF EXISTS "{name}"')
        psql(postgres_url, f'CREATE DATABASE "{name}"')
        seed(url, invoices)
        psql(postgres_url, "VACUUM ANALYZE", database=name)
    return url


# --- the server ---------------------------------------------------------------------


class Server:
    def __init__(self, database_url, command="serve", extra_env=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.mail = tempfile.mkdtemp(prefix="partnerdesk-bench-mail-")
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "BIND": f"127.0.0.1:{self.port}",
            "RENEWALS": "off",
            "SESSION_KEY": SESSION_KEY,
            "MAIL_DIR": self.mail,
            "RUST_LOG": "error",
            **(extra_env or {}),
        }
        self.started = time.time()
        self.process = subprocess.Popen(
            [BINARY, command], env=env, cwd=self.mail,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def wait_until_serving(self, path="/healthz", timeout=60):
        while time.time() - self.started < timeout:
            try:
                with urllib.request.urlopen(self.base + path, timeout=1) as r:
                    if r.status == 200:
                        return time.time() - self.started
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.005)
        raise SystemExit(f"the server did not answer {path} within {timeout} s")

    def memory_mb(self):
        """Resident memory now."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.mail, ignore_errors=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base, email):
    """A logged-in session: (cookie header, opener)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), NoRedirect()
    )
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": PASSWORD}
    ).encode()
    try:
        opener.open(base + "/login", form)
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise SystemExit(f"login of {email} failed: {answer.code}")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, opener


def get(opener, url):
    return opener.open(url).read().decode()


def first_link(page, pattern):
    found = re.search(r'href="(' + pattern + r')"', page)
    return html.unescape(found.group(1)) if found else None


ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def pages_to_measure(base):
    """(key, label, path, cookie) of each page, found by following links."""
    agency_cookie, agency = login(base, AGENCY)
    client_cookie, client = login(base, CLIENT)
    partner_page = first_link(get(client, base + "/partners"), "/partners/" + ID)
    invoices = get(agency, base + "/invoices")
    invoice = first_link(invoices, "/invoices/" + ID)
    # The deepest page within DEEP_PAGES, by following "next" as a reader would.
    deep, depth, page = "/invoices", 1, invoices
    while depth < DEEP_PAGES:
        following = first_link(page, r'/invoices\?[^"]*before=[^"]*')
        if following is None:
            break
        deep, depth = following, depth + 1
        page = get(agency, base + deep)
    return [
        ("baseline", "baseline (/about)", "/about", None),
        ("login", "login page", "/login", None),
        ("partner", "partner page", partner_page, client_cookie),
        ("invoices", "invoice list, page 1", "/invoices", agency_cookie),
        ("deep", f"invoice list, page {depth}", deep, agency_cookie),
        ("invoice", "an invoice", invoice, agency_cookie),
        ("income", "income", "/income", agency_cookie),
    ]


# --- load ---------------------------------------------------------------------------


def to_ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(base, path, cookie, seconds, connections):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command + [base + path], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} answers were errors\n{out}")
    return rps, p50, p99


class LoginStorm:
    """`clients` people logging in again and again, each as a browser does it."""

    def __init__(self, base, emails, clients=20):
        self.stop_flag = threading.Event()
        self.logins = 0
        self.threads = [
            threading.Thread(target=self.run, args=(base, emails[i % len(emails)]))
            for i in range(clients)
        ]

    def run(self, base, email):
        while not self.stop_flag.is_set():
            login(base, email)
            self.logins += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for thread in self.threads:
            thread.join()


# --- the run ------------------------------------------------------------------------


def measure(backend, invoices, database_url, args, results):
    server = Server(database_url)
    try:
        server.wait_until_serving()
        pages = pages_to_measure(server.base)
        idle = {}
        for key, label, path, cookie in pages:
            idle[key] = wrk(server.base, path, cookie, args.duration, args.connections)
        baseline = idle["baseline"][0]
        for key, label, path, cookie in pages:
            rps, p50, p99 = idle[key]
            print(
                f"{backend:<9} {invoices:>9,}  {label:<24} {rps:>8.0f} req/s"
                f"  p50 {p50:>7.2f} ms  p99 {p99:>7.2f} ms  {rps / baseline:>5.2f}× baseline",
                flush=True,
            )
            results[(backend, invoices, key)] = idle[key]
        # The pages again while 20 people log in at once.
        emails = [AGENCY, CLIENT] + [f"customer{c:05}@bench.test" for c in range(1, 9)]
        with LoginStorm(server.base, emails) as storm:
            for key, label, path, cookie in pages[2:]:
                _, _, p99 = wrk(server.base, path, cookie, args.duration, args.connections)
                ratio = p99 / idle[key][2]
                print(
                    f"{backend:<9} {invoices:>9,}  {label:<24} during 20 logins:"
                    f" p99 {p99:>7.2f} ms, {ratio:.2f}× idle",
                    flush=True,
                )
                results[(backend, invoices, "storm " + key)] = ratio
        log(f"  {storm.logins} logins during the storm")
        # Memory under 64 connections on the partner page: the most resident at any
        # tenth of a second while they are served.
        samples = []
        loading = threading.Thread(
            target=wrk, args=(server.base, pages[2][2], pages[2][3], args.duration, 64)
        )
        loading.start()
        while loading.is_alive():
            samples.append(server.memory_mb())
            time.sleep(0.1)
        memory = max(samples)
        print(
            f"{backend:<9} {invoices:>9,}  memory with 64 connections: {memory:.0f} MB",
            flush=True,
        )
        results[(backend, invoices, "memory")] = memory
    finally:
        server.stop()


def start_up_time():
    """From `partnerdesk demo` on a fresh SQLite file to its first answer."""
    with tempfile.TemporaryDirectory() as directory:
        server = Server(os.path.join(directory, "demo.db"), command="demo")
        try:
            return server.wait_until_serving("/login")
        finally:
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measure")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument(
        "--datasets-only", action="store_true", help="make the datasets, measure nothing"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    os.makedirs(WORK, exist_ok=True)
    postgres_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")

    cpu = next(
        (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
        "?",
    )
    print(f"machine: {os.cpu_count()} cores ({cpu}); wrk -t2 -c{args.connections} -d{args.duration}s")
    results = {}
    for backend in backends:
        for invoices in sizes:
            url = dataset(backend, invoices, postgres_url)
            if not args.datasets_only:
                measure(backend, invoices, url, args, results)
    if args.datasets_only:
        return 0
    startup = start_up_time()
    print(f"demo, fresh SQLite file, start to first answer: {startup:.2f} s")

    print("\ngoals")
    small, large = min(sizes), max(sizes)
    verdicts = []

    def goal(ok, text):
        verdicts.append(ok)
        print(f"  {'met   ' if ok else 'MISSED'} {text}")

    for backend in backends:
        for key, label in (("invoices", "invoice list"), ("partner", "partner page")):
            a, b = results.get((backend, small, key)), results.get((backend, large, key))
            if a and b and small != large:
                goal(
                    b[1] <= 1.5 * a[1],
                    f"{backend}: {label} p50 {b[1]:.2f} ms at {large:,} invoices,"
                    f" {b[1] / a[1]:.2f}× its {a[1]:.2f} ms at {small:,} (≤ 1.5×)",
                )
        for invoices in sizes:
            base = results[(backend, invoices, "baseline")][0]
            partner = results[(backend, invoices, "partner")][0]
            goal(
                partner >= 0.5 * base,
                f"{backend} {invoices:,}: partner page at {partner / base:.0%}"
                f" of the baseline's throughput (≥ 50 %)",
            )
            storms = {k[2][6:]: v for k, v in results.items()
                      if k[:2] == (backend, invoices) and k[2].startswith("storm ")}
            worst = max(storms, key=storms.get)
            goal(
                storms[worst] <= 3,
                f"{backend} {invoices:,}: p99 during 20 logins at most"
                f" {storms[worst]:.2f}× idle ({worst}) (≤ 3×)",
            )
            memory = results[(backend, invoices, "memory")]
            goal(memory <= 100, f"{backend} {invoices:,}: {memory:.0f} MB under 64 connections (≤ 100 MB)")
    goal(startup <= 2, f"demo start to first answer {startup:.2f} s (≤ 2 s)")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
