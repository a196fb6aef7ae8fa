#!/usr/bin/env python3
"""simwatch against the curl CLI on one local nginx: polls/s, CPU per device, max RSS.

Run by `make bench`. Serves BENCH_DEVICES (default 10,000) static ctdUsages answers with
Basic auth from an nginx of its own on 127.0.0.1 (own config, pid and logs in a temporary
folder; the system's nginx is never touched), then, in one run and BENCH_ROUNDS rounds
(default 3), fetches every URL with `curl --parallel --parallel-max 8`, with sequential
curl, and with `simwatch once` (fresh and warm state, concurrency 1 and 8), and prints the
medians and the ratios. CPU is user + system time of the whole process (from wait4),
divided by the devices polled.

Then, at BENCH_LARGE_DEVICES (default 100,000; 0 skips it) SIMs whose answers nginx makes
from the URL: `once` (fresh and warm) time, CPU and max RSS, `status` time and RSS, the
state file size, and the RSS of `run` after each of 5 cycles.

With SIMWATCH_BENCH_BINARY: the state file figures at 100,000 devices, then `schedule`,
round robin against budgeted polling for 100,000 SIMs over a simulated day (DESIGN.md's
targets checked; it exits non-zero when one is missed or the rate limit is exceeded).

Usage: bench.py SIMWATCH_BINARY [SIMWATCH_BENCH_BINARY]
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

USER = "benchuser"
# Not a secret: the benchmark's own nginx on 127.0.0.1 checks it.
PASSWORD = "bench-api-key-0123456789"
ICCID_PREFIX = "8988216716"


def bounded_env_int(name, default, low, high):
    """An integer from the environment, or a clear exit when it is not one in [low, high]."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        sys.exit(f"bench: {name}={text!r} is not a whole number")
    if not low <= value <= high:
        sys.exit(f"bench: {name}={value} is out of range ({low}..{high})")
    return value


def find_nginx():
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def ensure_tools():
    """Installs nginx (Debian's nginx-light, else nginx) and curl when they are missing."""
    missing = []
    if find_nginx() is None:
        missing.append("nginx")
    if shutil.which("curl") is None:
        missing.append("curl")
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"==> installing {' and '.join(missing)} (Debian packages) for the benchmark", flush=True)
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    packages = (["curl"] if "curl" in missing else [])
    if "nginx" in missing:
        light = subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx-light"]
                               + packages, env=env)
        if light.returncode != 0:
            subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx"] + packages,
                           check=True, env=env)
    else:
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + packages,
                       check=True, env=env)
    # Debian's package starts the system nginx on port 80; the benchmark never uses it.
    if find_nginx() is None:
        sys.exit("bench: nginx is still missing after apt-get install")


def iccid(index):
    return ICCID_PREFIX + str(970_000_000 + index)


def usage_answer(index):
    """A realistic ctdUsages answer, as Control Center sends it."""
    return json.dumps({
        "iccid": iccid(index),
        "imsi": "2040431" + str(10_000_000 + index),
        "msisdn": "88" + str(2_000_000_000 + index),
        "imei": "" if index % 10 == 0 else "35" + str(1_000_000_000_000 + index * 7),
        "status": "ACTIVATED" if index % 5 else "DEACTIVATED",
        "ratePlan": f"hphlr rp{index % 7}",
        "communicationPlan": f"CP_Basic_{index % 3}",
        "ctdDataUsage": index * 98_765,
        "ctdSMSUsage": index % 500,
        "ctdVoiceUsage": index % 3_600,
        "ctdSessionCount": None if index % 4 == 0 else index % 900,
        "overageLimitReached": index % 50 == 0,
        "overageLimitOverride": "TEMPORARY_OVERRIDE" if index % 20 == 0 else "DEFAULT",
    }, separators=(",", ":"))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


NGINX_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nginx.conf.template")


def nginx_config(prefix, port, large_port):
    """The template with this run's folder and ports filled in."""
    with open(NGINX_TEMPLATE) as file:
        text = file.read()
    return text.replace("@PREFIX@", prefix).replace("@LARGE_PORT@", str(large_port)).replace("@PORT@", str(port))


class Nginx:
    """An nginx of our own: started on a free port, stopped at the end, also on failure."""

    def __init__(self, binary, prefix):
        self.binary = binary
        self.prefix = prefix
        self.process = None
        self.port = None
        self.large_port = None

    def start(self):
        os.makedirs(os.path.join(self.prefix, "tmp"), exist_ok=True)
        for attempt in range(5):
            self.port = free_port()
            self.large_port = free_port()
            conf = os.path.join(self.prefix, "nginx.conf")
            with open(conf, "w") as file:
                file.write(nginx_config(self.prefix, self.port, self.large_port))
            self.process = subprocess.Popen(
                [self.binary, "-p", self.prefix, "-c", conf, "-e", os.path.join(self.prefix, "error.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self.wait_ready():
                return
            self.stop()
        raise RuntimeError("nginx did not start; see " + os.path.join(self.prefix, "error.log"))

    def wait_ready(self):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/rws/api/v1/devices/{iccid(0)}/ctdUsages")
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(request, timeout=1) as answer:
                    if answer.status == 200:
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def measure(argv, devices, env=None, cwd=None):
    """Runs argv to completion; returns polls/s, µs CPU per device and max RSS in MB."""
    # stderr goes to a file, not a pipe: a chatty failure must not block the child on a full pipe.
    with tempfile.TemporaryFile() as errors:
        start = time.monotonic()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, env=env, cwd=cwd)
        # wait4 gives this child's own rusage, not the sum over every child we ran.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read()[-2000:].decode(errors="replace")
            raise RuntimeError(f"{' '.join(argv[:2])} exited {process.returncode}: {tail}")
    return {
        "seconds": elapsed,
        "polls": devices / elapsed,
        "cpu_us": (usage.ru_utime + usage.ru_stime) / devices * 1e6,
        "rss_mb": usage.ru_maxrss / 1024,
    }


def write_fixture(root, devices):
    www = os.path.join(root, "www")
    for index in range(devices):
        folder = os.path.join(www, "rws", "api", "v1", "devices", iccid(index))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "ctdUsages"), "w") as file:
            file.write(usage_answer(index))
    # {SHA} (Base64 SHA-1) keeps nginx's per-request password check cheap; MD5-crypt's
    # thousand rounds would make the server, not the clients, the bottleneck.
    digest = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
    with open(os.path.join(root, "htpasswd"), "w") as file:
        file.write(f"{USER}:{{SHA}}{digest}\n")
    if os.geteuid() == 0:
        # nginx's workers drop root: they must be able to read the answers and the password file.
        os.chmod(root, 0o755)
        for folder, _, files in os.walk(root):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
    with open(os.path.join(root, "devices.txt"), "w") as file:
        file.writelines(iccid(index) + "\n" for index in range(devices))


def write_curl_config(root, port, devices):
    path = os.path.join(root, "curl.cfg")
    with open(path, "w") as file:
        file.write(f'user = "{USER}:{PASSWORD}"\nsilent\nfail\n')
        for index in range(devices):
            file.write(f'url = "http://127.0.0.1:{port}/rws/api/v1/devices/{iccid(index)}/ctdUsages"\n'
                       'output = "/dev/null"\n')
    return path


def write_simwatch_config(root, port, concurrency, name=None, devices_file="devices.txt", interval="15m",
                          level="warning"):
    name = name or f"c{concurrency}"
    path = os.path.join(root, f"simwatch-{name}.yaml")
    with open(path, "w") as file:
        file.write(f"""\
control_center:
  base_url: http://127.0.0.1:{port}
  username: {USER}
  api_key_env: SIMWATCH_BENCH_API_KEY
  rate_limit: 100000
  concurrency: {concurrency}
  timeout: 30s
poll:
  interval: {interval}
state_file: {root}/state/state-{name}.json
devices_file: {root}/{devices_file}
webhooks: []
log:
  level: {level}
""")
    return path


def run_rounds(rounds, devices, root, port, simwatch):
    config = write_curl_config(root, port, devices)
    os.makedirs(os.path.join(root, "state"), exist_ok=True)
    env = dict(os.environ, SIMWATCH_BENCH_API_KEY=PASSWORD)
    cases = [
        ("curl CLI --parallel 8", lambda: ["curl", "--parallel", "--parallel-max", "8", "-K", config], None),
        ("curl CLI, sequential", lambda: ["curl", "-K", config], None),
    ]
    for concurrency in (8, 1):
        yaml = write_simwatch_config(root, port, concurrency)
        state = os.path.join(root, "state", f"state-c{concurrency}.json")

        def fresh(state=state, yaml=yaml):
            for leftover in (state, state + ".lock"):
                if os.path.exists(leftover):
                    os.remove(leftover)
            return [simwatch, "once", "--config", yaml]

        cases.append((f"simwatch once, concurrency {concurrency}, fresh", fresh, env))
        cases.append((f"simwatch once, concurrency {concurrency}, warm", lambda yaml=yaml: [simwatch, "once", "--config", yaml], env))
    results = {name: [] for name, _, _ in cases}
    for round_number in range(1, rounds + 1):
        print(f"==> round {round_number} of {rounds}", flush=True)
        for name, argv, case_env in cases:
            results[name].append(measure(argv(), devices, env=case_env, cwd=root))
    return results


def read_rss_mb(pid):
    """Current and peak resident set size of a running process, from /proc."""
    values = {}
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def run_large(root, port, simwatch, devices, cycles=5):
    """once (fresh, warm), status and run at fleet scale: time and memory."""
    with open(os.path.join(root, "devices-large.txt"), "w") as file:
        file.writelines(iccid(index) + "\n" for index in range(devices))
    os.makedirs(os.path.join(root, "state"), exist_ok=True)
    env = dict(os.environ, SIMWATCH_BENCH_API_KEY=PASSWORD)
    # run spreads a cycle over the interval: long enough for the fleet at the measured speed.
    interval = max(15, devices // 5_000)
    yaml = write_simwatch_config(root, port, 8, name="large", devices_file="devices-large.txt",
                                 interval=f"{interval}s", level="info")
    print(f"==> {devices:,} SIMs: once (fresh, warm), status, run for {cycles} cycles of {interval} s", flush=True)
    rows = [
        ("simwatch once, concurrency 8, fresh", measure([simwatch, "once", "--config", yaml], devices, env, root)),
        ("simwatch once, concurrency 8, warm", measure([simwatch, "once", "--config", yaml], devices, env, root)),
        # status reads and prints, with nothing to wait for: the median of 3, as the table's rows.
        ("simwatch status", median_run([measure([simwatch, "status", "--config", yaml], devices, env, root)
                                        for _ in range(3)])),
    ]
    state = os.path.join(root, "state", "state-large.json")
    size = os.path.getsize(state) if os.path.exists(state) else 0
    daemon = subprocess.Popen([simwatch, "run", "--config", yaml], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env, cwd=root, text=True, errors="replace")
    rss_per_cycle = []
    deadline = time.monotonic() + cycles * interval * 3 + 60
    try:
        for line in daemon.stderr:
            if "cycle finished" in line or "cycle failed" in line:
                rss_per_cycle.append(read_rss_mb(daemon.pid))
                if len(rss_per_cycle) >= cycles:
                    break
            if time.monotonic() > deadline:
                break
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    print()
    print(f"{devices:,} SIMs (answers made by nginx from the URL)")
    print()
    print("| | time | CPU per device | max RSS |")
    print("|---|---|---|---|")
    for name, row in rows:
        print(f"| {name} | {row['seconds']:.2f} s | {row['cpu_us']:.0f} µs | {row['rss_mb']:.1f} MB |")
    print()
    print(f"state file: {size:,} bytes")
    if rss_per_cycle:
        current = ", ".join(f"{rss:.1f}" for rss, _ in rss_per_cycle)
        print(f"simwatch run, RSS after each of {len(rss_per_cycle)} cycles: {current} MB "
              f"(peak {rss_per_cycle[-1][1]:.1f} MB; growth from cycle 2 on: "
              f"{rss_per_cycle[-1][0] - rss_per_cycle[min(1, len(rss_per_cycle) - 1)][0]:+.1f} MB)")
    else:
        print("simwatch run: no cycle finished in time")
    print()
    status = dict(rows)["simwatch status"]
    peaks = [("once, fresh", dict(rows)["simwatch once, concurrency 8, fresh"]["rss_mb"]),
             ("once, warm", dict(rows)["simwatch once, concurrency 8, warm"]["rss_mb"])]
    if rss_per_cycle:
        peaks.append(("run, after 5 cycles", rss_per_cycle[-1][0]))
    for name, rss in peaks:
        print(f"target RSS ≤ 100 MB at {devices:,} SIMs, {name}: {rss:.1f} MB ({'met' if rss <= 100 else 'not met'})")
    print(f"target status ≤ 0.5 s at {devices:,} SIMs: {status['seconds']:.2f} s "
          f"({'met' if status['seconds'] <= 0.5 else 'not met'}; CPU {status['cpu_us'] * devices / 1e6:.2f} s)")


def median(values):
    return statistics.median(values)


def median_run(runs):
    """The run with the median time of an odd number of runs, its CPU and memory with it."""
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def print_table(results, devices, rounds):
    print()
    print(f"{devices:,} devices, local nginx with Basic auth, median of {rounds} rounds")
    print()
    print("| | polls/s | CPU per device (whole process) | max RSS |")
    print("|---|---|---|---|")
    summary = {}
    for name, runs in results.items():
        row = {key: median([run[key] for run in runs]) for key in ("polls", "cpu_us", "rss_mb")}
        summary[name] = row
        print(f"| {name} | {row['polls']:,.0f} | {row['cpu_us']:.0f} µs | {row['rss_mb']:.1f} MB |")
    print()
    pairs = [
        ("simwatch once, concurrency 8, warm", "curl CLI --parallel 8", "target ≥ 1.0×"),
        ("simwatch once, concurrency 8, fresh", "curl CLI --parallel 8", ""),
        ("simwatch once, concurrency 1, warm", "curl CLI, sequential", "target ≥ 1.0×"),
        ("simwatch once, concurrency 1, fresh", "curl CLI, sequential", ""),
    ]
    print("| ratio | polls/s | CPU per device |")
    print("|---|---|---|")
    for ours, theirs, note in pairs:
        polls = summary[ours]["polls"] / summary[theirs]["polls"]
        cpu = summary[ours]["cpu_us"] / summary[theirs]["cpu_us"]
        print(f"| {ours} / {theirs} | {polls:.2f}× {note} | {cpu:.2f}× |")
    print()
    # The target is set for the measurement the comparison is made on: warm state, concurrency
    # 8. One request at a time costs every client more per request (curl's sequential row
    # shows it): a wakeup and a context switch for each answer.
    target = summary["simwatch once, concurrency 8, warm"]["cpu_us"]
    worst = max(summary[name]["cpu_us"] for name in summary if name.startswith("simwatch"))
    print(f"simwatch CPU per polled device, once, concurrency 8, warm: {target:.0f} µs "
          f"(target ≤ 60 µs: {'met' if target <= 60 else 'not met'}); worst row: {worst:.0f} µs")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    simwatch = os.path.abspath(sys.argv[1])
    state_bench = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    devices = bounded_env_int("BENCH_DEVICES", 10_000, 1, 1_000_000)
    rounds = bounded_env_int("BENCH_ROUNDS", 3, 1, 50)
    large = bounded_env_int("BENCH_LARGE_DEVICES", 100_000, 0, 1_000_000)
    ensure_tools()
    root = tempfile.mkdtemp(prefix="simwatch-bench-")
    nginx = Nginx(find_nginx(), root)
    try:
        print(f"==> {devices:,} answers in {root}", flush=True)
        write_fixture(root, devices)
        nginx.start()
        print(f"==> nginx on 127.0.0.1:{nginx.port}", flush=True)
        results = run_rounds(rounds, devices, root, nginx.port, simwatch)
        print_table(results, devices, rounds)
        if large:
            run_large(root, nginx.large_port, simwatch, large)
    finally:
        nginx.stop()
        shutil.rmtree(root, ignore_errors=True)
    if state_bench:
        print()
        print("State file at 100,000 devices (simwatch-bench, best of 3):", flush=True)
        subprocess.run([state_bench], check=True)
        print()
        print("Budgeted polling against round robin, 100,000 SIMs in simulated time (simwatch-bench schedule):", flush=True)
        subprocess.run([state_bench, "schedule"], check=True)


if __name__ == "__main__":
    main()
