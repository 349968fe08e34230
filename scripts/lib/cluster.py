#!/usr/bin/env python3
"""zhanqun cluster simulator: a real hub plus whole provinces of real agents on loopback.

Builds the division tree from config/admin_divisions_cn.csv (a province with
all its cities and counties, following parent_code), starts one real
zhanqun-agent process per division (each with its own data directory, added
top-down), publishes a stream of real State Council documents, optionally
kills and restarts random agents and the hub (--chaos), waits until every
agent holds the hub's head, and reports publish-to-live lag per level
(from the hub's own acknowledgement records), entries missing anywhere,
duplicates and per-agent memory. Exits non-zero if anything is missing or
duplicated, the cluster did not converge, or a daemon died on its own.
"""
import argparse
import csv
import json
import os
import random
import signal
import sqlite3
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import zqcluster as zq  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DIVISIONS = os.path.join(ROOT, "config", "admin_divisions_cn.csv")
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "govcn_state_council_2019.jsonl")
LEVELS = {"1": "province", "2": "city", "3": "county"}
LEVEL_ORDER = ["province", "city", "county"]
# Quiet time after the stream before idle RSS is read again: agents hand back
# their freed heap 15 s after they last indexed (Agent::kIndexIdleMs).
IDLE_AFTER_STREAM_S = 18.0
# Releases reported apart as the agents' cold start (first entries after start).
COLD_RELEASES = 5
PIDS_FILE = "pids.json"


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="scripts/cluster", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  scripts/cluster --provinces 330000 --releases 100\n"
               "  scripts/cluster --provinces 330000 --releases 500 --chaos\n"
               "  scripts/cluster --provinces 330000,440000 --max-agents 400 --keep-running\n"
               "  scripts/cluster --stop            # stop a cluster left up by --keep-running")
    topo = ap.add_mutually_exclusive_group()
    topo.add_argument("--provinces", metavar="CODES",
                      help="comma-separated province codes (e.g. 330000,440000); each comes "
                           "with all its cities and counties")
    topo.add_argument("--all", action="store_true", help="the whole country (every division)")
    topo.add_argument("--stop", action="store_true",
                      help="stop a cluster left running by --keep-running in --workdir, and exit")
    ap.add_argument("--max-agents", type=int, default=400, metavar="N",
                    help="refuse to start more than N agents (default 400)")
    ap.add_argument("--jobs", type=int, default=4, metavar="N",
                    help="agents set up and started in parallel (default 4)")
    ap.add_argument("--releases", type=int, default=100, metavar="N",
                    help="documents to publish (default 100; the 60 fixture documents are "
                         "cycled with ids cluster-<run>-<i> beyond 60)")
    ap.add_argument("--rate", type=float, default=5.0, metavar="R",
                    help="releases per second (default 5)")
    ap.add_argument("--chaos", action="store_true",
                    help="during the stream, SIGKILL a random agent every --chaos-interval "
                         "seconds and restart it 1-3 s later; kill and restart the hub once")
    ap.add_argument("--chaos-interval", type=float, default=2.0, metavar="S",
                    help="seconds between agent kills with --chaos (default 2)")
    ap.add_argument("--seed", type=int, default=None, help="random seed for --chaos")
    ap.add_argument("--settle", type=float, default=60.0, metavar="S",
                    help="seconds to wait after the stream for every agent to reach the hub "
                         "head and acknowledge it (default 60)")
    ap.add_argument("--report-interval", type=int, default=None, metavar="S",
                    help="agents' report heartbeat in seconds (agent report_interval_s, "
                         "default 5); the hub's offline_after_s and stall_after_s become "
                         "max(30, 3 x S). Idle reports are most of an idle tree's CPU: "
                         "the whole country on one machine needs a longer heartbeat")
    ap.add_argument("--site", action="store_true",
                    help="turn each agent's local site on (off by default: it costs CPU)")
    ap.add_argument("--workdir", default=os.path.join(ROOT, ".cluster"),
                    help="where the hub and agent data directories go (default .cluster/; "
                         "emptied at start)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                    help="where zhanqun-hub and zhanqun-agent were built (default build/)")
    ap.add_argument("--json", metavar="FILE", default=None,
                    help="also write the report's figures as JSON to FILE (for scripts/bench)")
    ap.add_argument("--keep-running", action="store_true",
                    help="leave the cluster up after the report (stop it with --stop)")
    args = ap.parse_args(argv)
    if not (args.provinces or args.all or args.stop):
        ap.error("choose --provinces CODES or --all (or --stop)")
    if args.report_interval is not None and not 1 <= args.report_interval <= 3600:
        ap.error("--report-interval must be 1..3600 seconds")
    if args.releases < 0 or args.rate <= 0 or args.max_agents < 1 or args.jobs < 1:
        ap.error("--releases must be >= 0, --rate > 0, --max-agents >= 1, --jobs >= 1")
    return args


# --- topology --------------------------------------------------------------
def load_divisions(path):
    with open(path, encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def topology(divisions, provinces):
    """[(code, parent_code or None, level)] top-down: provinces, then cities, then counties."""
    children = {}
    for code, r in divisions.items():
        children.setdefault(r["parent_code"] or None, []).append(code)
    if provinces is None:
        roots = sorted(children.get(None, []))
    else:
        roots = []
        for code in provinces:
            r = divisions.get(code)
            if r is None:
                raise SystemExit(f"error: {code} is not in {DIVISIONS}")
            if r["level"] != "1":
                raise SystemExit(f"error: {code} {r['name']} is not a province (level "
                                 f"{r['level']}); --provinces takes level-1 codes")
            roots.append(code)
    out, frontier = [], [(c, None) for c in roots]
    while frontier:  # breadth-first: every parent is added before its children
        out.extend((c, p, LEVELS[divisions[c]["level"]]) for c, p in frontier)
        frontier = [(k, c) for c, _ in frontier for k in sorted(children.get(c, []))]
    # by level too, so all provinces come before any city (the brief's order)
    rank = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
    return sorted(out, key=lambda t: rank[t[2]])


# --- helpers ---------------------------------------------------------------
def pct(values, p):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(values)
    k = max(1, -(-len(s) * p // 100))  # ceil
    return s[int(k) - 1]


def rss_kb(pid, field="VmRSS"):
    """A memory figure of /proc/<pid>/status in kB: VmRSS (everything resident,
    shared library pages included) or RssAnon (the process's own memory)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """utime + stime of a live process, in seconds (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def agents_cpu(cluster):
    return {c: cpu_seconds(n.process.pid) for c, n in cluster.nodes.items() if n.process.pid}


def progress(msg, final=False):
    if sys.stdout.isatty():
        sys.stdout.write("\r" + msg + ("\n" if final else ""))
    else:
        sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def releases_stream(n, run_id):
    docs = zq.load_documents(FIXTURE)
    for i in range(n):
        r = zq.release_from_document(docs[i % len(docs)])
        if i >= len(docs):
            r["id"] = f"cluster-{run_id}-{i}"
        yield r


def pid_is(pid, needle):
    """True if pid is alive and its command line contains needle (guards against pid reuse)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return needle.encode() in f.read()
    except OSError:
        return False


def stop_from_pids_file(workdir):
    path = os.path.join(workdir, PIDS_FILE)
    if not os.path.exists(path):
        print(f"no running cluster recorded in {path}")
        return 0
    with open(path) as f:
        pids = json.load(f)
    alive = [(name, pid) for name, pid in pids.items() if pid_is(pid, workdir)]
    for _, pid in alive:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for name, pid in alive:
        while pid_is(pid, workdir) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_is(pid, workdir):
            os.kill(pid, signal.SIGKILL)
    os.remove(path)
    print(f"stopped {len(alive)} daemon(s) of the cluster in {workdir}")
    return 0


# --- chaos -----------------------------------------------------------------
class Chaos(threading.Thread):
    """Kills a random running agent every `interval` s (SIGKILL) and restarts it
    1-3 s later; kills the hub once, about a third into the stream, while
    holding the publish lock (so no publish is in flight), and restarts it."""

    def __init__(self, cluster, interval, rng, publish_lock, hub_kill_at):
        super().__init__(daemon=True)
        self.cluster, self.interval, self.rng = cluster, interval, rng
        self.publish_lock, self.hub_kill_at = publish_lock, hub_kill_at
        self.stopping = threading.Event()
        self.lock = threading.Lock()  # guards process start/kill against final cleanup
        self.down = {}  # code -> monotonic restart time
        self.agent_kills = 0
        self.hub_kills = 0
        self.hub_thread = None
        self.errors = []

    def run(self):
        start = time.monotonic()
        next_kill = start + self.interval
        try:
            while not self.stopping.is_set():
                now = time.monotonic()
                with self.lock:
                    for code, at in list(self.down.items()):
                        if at <= now:
                            self.cluster.nodes[code].start()
                            del self.down[code]
                    if now >= next_kill:
                        up = [c for c in self.cluster.nodes if c not in self.down]
                        if up:
                            code = self.rng.choice(up)
                            self.cluster.nodes[code].process.kill()
                            self.down[code] = now + self.rng.uniform(1.0, 3.0)
                            self.agent_kills += 1
                        next_kill = now + self.interval
                if self.hub_thread is None and now - start >= self.hub_kill_at:
                    self.hub_thread = threading.Thread(target=self.kill_hub, daemon=True)
                    self.hub_thread.start()
                self.stopping.wait(0.05)
        except Exception as e:  # reported; the main thread still settles and checks
            self.errors.append(repr(e))
        finally:
            self.restore()

    def kill_hub(self):
        try:
            self._kill_hub()
        except Exception as e:
            self.errors.append("hub: " + repr(e))

    def _kill_hub(self):
        with self.publish_lock:
            self.cluster.hub_process.kill()
            self.hub_kills += 1
            print(f"  chaos: hub killed (SIGKILL)", flush=True)
            time.sleep(self.rng.uniform(1.0, 3.0))
            self.cluster.hub_process.start()
            zq.wait_until(lambda: zq.http("GET", self.cluster.hub_url + "/healthz",
                                          timeout=2)[0] == 200, 20, "hub to come back")
            print(f"  chaos: hub restarted (pid {self.cluster.hub_process.pid})", flush=True)

    def restore(self):
        """Restarts everything still down (runs when chaos stops)."""
        if self.hub_thread is not None:
            self.hub_thread.join()
        with self.lock:
            for code in list(self.down):
                self.cluster.nodes[code].start()
                del self.down[code]

    def finish(self):
        self.stopping.set()
        self.join()


# --- measurement -----------------------------------------------------------
def agent_heads(cluster):
    heads = {}
    for code, node in cluster.nodes.items():
        try:
            heads[code] = node.head()
        except Exception:
            heads[code] = None
    return heads


def hub_db(cluster):
    return os.path.join(cluster.hub_dir, "data", "hub.db")


def hub_query(cluster, sql, params=()):
    """Reads the hub's database directly (WAL: readers do not block the daemon).
    /api/v1/status is not used while waiting: with a hundred agents acknowledging
    it can take longer than the HTTP timeout (see the report)."""
    con = sqlite3.connect(f"file:{hub_db(cluster)}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def hub_head(cluster):
    return hub_query(cluster, "SELECT COALESCE(MAX(seq), 0) FROM log WHERE origin = '000000'")[0][0]


def hub_acked(cluster):
    """code -> the 'live' seq the hub holds for the node (its acks table)."""
    return dict(hub_query(cluster, "SELECT node, seq FROM acks "
                                   "WHERE origin = '000000' AND stage = 'live'"))


def settle(cluster, timeout):
    """Waits until every agent's head and its 'live' ack at the hub equal the hub head."""
    deadline = time.monotonic() + timeout
    t0 = time.monotonic()
    total = len(cluster.nodes)
    last_print = 0
    reached = {}  # code -> the hub head it was seen at: not asked again for it
    while True:
        loop_t0 = time.monotonic()
        head = hub_head(cluster)
        for code, node in cluster.nodes.items():
            if reached.get(code) == head:
                continue
            try:
                if node.head() == head:
                    reached[code] = head
            except Exception:
                pass
        at_head = sum(1 for c in cluster.nodes if reached.get(c) == head)
        acked = hub_acked(cluster)
        acks_at_head = sum(1 for c in cluster.nodes if acked.get(c) == head)
        done = at_head == total and acks_at_head == total
        now = time.monotonic()
        if done or now - last_print >= (0.5 if sys.stdout.isatty() else 5):
            last_print = now
            progress(f"settling: {at_head}/{total} agents at hub head {head}, "
                     f"{acks_at_head}/{total} acknowledged live at the hub "
                     f"({now - t0:.1f} s)", final=done or not sys.stdout.isatty())
        if done:
            return True, now - t0
        if now >= deadline:
            if sys.stdout.isatty():
                progress("", final=True)
            return False, now - t0
        # Asking thousands of agents takes a while: leave the CPU to them as long.
        time.sleep(max(0.5, time.monotonic() - loop_t0))


def lag_by_level(hub_db, level_of, first_seq, last_seq):
    """Per level, publish-to-live lag (node's stage time on the hub clock - append) of the
    stream's entries, counting only seqs after each node's registration."""
    con = sqlite3.connect(f"file:{hub_db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute(
            "SELECT a.node, a.hub_ms - l.appended_ms FROM ack_events a "
            "JOIN log l ON l.origin = a.origin AND l.seq = a.seq "
            "JOIN nodes n ON n.code = a.node "
            "WHERE a.origin = '000000' AND a.stage = 'live' AND a.seq > n.seq "
            "AND a.seq BETWEEN ? AND ?", (first_seq, last_seq)).fetchall()
    finally:
        con.close()
    out = {lv: [] for lv in LEVEL_ORDER}
    for node, lag in rows:
        if node in level_of:
            out[level_of[node]].append(lag)
    return out


def entry_rows(node):
    con = sqlite3.connect(f"file:{node.db_path}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT COUNT(*), COUNT(DISTINCT seq), COALESCE(MAX(seq), 0) "
                           "FROM entries WHERE origin = '000000'").fetchone()
    finally:
        con.close()


# --- main ------------------------------------------------------------------
def main(argv):
    args = parse_args(argv)
    args.workdir = os.path.abspath(args.workdir)
    if args.stop:
        return stop_from_pids_file(args.workdir)
    pids_path = os.path.join(args.workdir, PIDS_FILE)
    if os.path.exists(pids_path):
        with open(pids_path) as f:
            if any(pid_is(p, args.workdir) for p in json.load(f).values()):
                raise SystemExit(f"error: a cluster is still running in {args.workdir}; "
                                 f"stop it first: scripts/cluster --stop --workdir {args.workdir}")
    for b in ("bin/zhanqun-hub", "bin/zhanqun-agent"):
        if not os.access(os.path.join(args.build_dir, b), os.X_OK):
            raise SystemExit(f"error: {os.path.join(args.build_dir, b)} not found; "
                             f"build first (scripts/build release) or pass --build-dir")

    divisions = load_divisions(DIVISIONS)
    provinces = None if args.all else [c.strip() for c in args.provinces.split(",") if c.strip()]
    topo = topology(divisions, provinces)
    if len(topo) > args.max_agents:
        raise SystemExit(f"error: this topology needs {len(topo)} agents, more than "
                         f"--max-agents {args.max_agents}; raise --max-agents (each agent is "
                         f"a real process: mind memory and CPU) or choose fewer provinces")
    check_thread_limit(len(topo))
    level_of = {c: lv for c, _, lv in topo}
    counts = {lv: sum(1 for *_, l in topo if l == lv) for lv in LEVEL_ORDER}

    if os.path.exists(args.workdir):
        import shutil
        shutil.rmtree(args.workdir)
    run_id = time.strftime("%Y%m%d%H%M%S")
    rng = random.Random(args.seed)
    cluster = zq.Cluster(args.build_dir, args.workdir, DIVISIONS, site=args.site)
    # In production the hub has a machine of its own; here it shares two
    # cores with every agent, and a big tree's burst after each release must
    # not starve the publishing it measures (raising priority needs root;
    # otherwise the hub runs at 0 like the agents).
    cluster.hub_nice = -5
    if args.report_interval:
        cluster.agent_config_extra["report_interval_s"] = args.report_interval
        quiet = max(30, 3 * args.report_interval)
        cluster.hub_config_extra.update({"offline_after_s": quiet, "stall_after_s": quiet})
    chaos = None
    keep = False
    crashed = {}

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    try:
        print(f"cluster run {run_id}: hub + {len(topo)} agents "
              f"({counts['province']} provinces, {counts['city']} cities, "
              f"{counts['county']} counties) in {args.workdir}", flush=True)
        # The hub's HTTP server holds one thread per keep-alive connection (120 s
        # idle timeout) and every agent keeps one open for its acks: with the
        # default 64 threads the 64th agent's acks (and publish, status) hang.
        hub_threads = max(64, len(topo) + 64)
        cluster.start_hub({"http_threads": hub_threads})
        print(f"hub at {cluster.hub_url} (pid {cluster.hub_process.pid}, "
              f"http_threads {hub_threads})", flush=True)
        t0 = time.monotonic()
        cluster.listen_timeout_s = max(20, len(topo) // 10)
        cluster.publish_timeout_s = max(30, len(topo) // 10)
        start_agents(cluster, topo, args.jobs)
        args.start_s = time.monotonic() - t0
        print(f"all agents up in {args.start_s:.1f} s", flush=True)
        write_pids(cluster, pids_path)
        idle_rss = {c: rss_kb(n.process.pid) for c, n in cluster.nodes.items()}
        args.idle_anon = {c: rss_kb(n.process.pid, "RssAnon") for c, n in cluster.nodes.items()}

        # Let the registry entries settle so the stream starts from a quiet tree.
        ok, _ = settle(cluster, args.settle)
        if not ok:
            print("warning: the tree did not reach the hub head before the stream", flush=True)
        # Stage times are only sent once a node knows its offset to the hub's
        # clock (a report round per level); start the stream after that.
        t1 = time.monotonic()
        try:
            zq.wait_until(lambda: all(n.get("clock") is not None
                                      for n in cluster.hub_status()["nodes"]), 60,
                          "every node to report a clock estimate", interval=0.5)
            print(f"every node has a clock estimate ({time.monotonic() - t1:.1f} s)", flush=True)
        except TimeoutError:
            print("warning: not every node has a clock estimate before the stream", flush=True)

        args.idle = measure_idle(cluster)
        first_seq = hub_head(cluster) + 1
        publish_lock = threading.Lock()
        if args.chaos:
            duration = args.releases / args.rate
            chaos = Chaos(cluster, args.chaos_interval, rng, publish_lock,
                          hub_kill_at=max(1.0, duration / 3))
            chaos.start()
        cpu_before = agents_cpu(cluster)
        print(f"publishing {args.releases} releases at {args.rate:g}/s"
              f"{' with chaos' if args.chaos else ''} ...", flush=True)
        t_start = time.monotonic()
        published = 0
        last_seq = first_seq - 1
        for i, release in enumerate(releases_stream(args.releases, run_id)):
            delay = t_start + i / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            with publish_lock:
                last_seq = cluster.publish(release)["seq"]
            published += 1
            if sys.stdout.isatty() or published % 25 == 0 or published == args.releases:
                progress(f"published {published}/{args.releases}",
                         final=(published == args.releases))
        stream_s = time.monotonic() - t_start
        if chaos:
            chaos.finish()
            print(f"chaos: {chaos.agent_kills} agent kills, {chaos.hub_kills} hub kill(s)"
                  + (f"; errors: {chaos.errors}" if chaos.errors else ""), flush=True)
            write_pids(cluster, pids_path)
        print(f"stream done in {stream_s:.1f} s ({published / stream_s if stream_s else 0:.1f}/s)",
              flush=True)

        converged, settle_s = settle(cluster, args.settle)
        cpu_after = agents_cpu(cluster)
        if not args.chaos and published and converged:
            # What an agent holds while idle after work, not just after start:
            # an agent hands its freed heap back once it has indexed nothing
            # for 15 s (Agent::kIndexIdleMs).
            print(f"letting the tree go idle ({IDLE_AFTER_STREAM_S:g} s) ...", flush=True)
            time.sleep(IDLE_AFTER_STREAM_S)
            args.after_rss = {c: rss_kb(n.process.pid) for c, n in cluster.nodes.items()}
            args.after_anon = {c: rss_kb(n.process.pid, "RssAnon")
                               for c, n in cluster.nodes.items()}
        # Per delivered entry: all agents' CPU over the stream and settling,
        # over entries x agents (idle polling included). Restarted agents
        # (chaos) start from zero, so the figure is only kept without chaos.
        used = [cpu_after[c] - cpu_before[c] for c in cpu_before
                if cpu_before.get(c) is not None and cpu_after.get(c) is not None
                and cpu_after[c] >= cpu_before[c]]
        args.cpu_per_delivery_ms = (1000 * sum(used) / (len(used) * published)
                                    if used and published and not args.chaos else None)
        by_level = {}
        for c in cpu_before:
            if cpu_before.get(c) is not None and cpu_after.get(c) is not None:
                by_level.setdefault(level_of.get(c, "?"), []).append(cpu_after[c] - cpu_before[c])
        args.cpu_by_level_ms = ({lv: 1000 * statistics.median(v) / published
                                 for lv, v in by_level.items()}
                                if published and not args.chaos else None)
        crashed = {c: n.process.proc.returncode for c, n in cluster.nodes.items()
                   if n.process.proc is not None and n.process.proc.poll() is not None}
        if cluster.hub_process.proc.poll() is not None:
            crashed["hub"] = cluster.hub_process.proc.returncode
        rc = report(cluster, args, topo, level_of, counts, first_seq, last_seq, published,
                    converged, settle_s, idle_rss, crashed, chaos)
        if args.keep_running and not crashed:
            keep = True
            print(f"\ncluster left running: hub {cluster.hub_url}/api/v1/status")
            print(f"stop it with: scripts/cluster --stop --workdir {args.workdir}")
        return rc
    except KeyboardInterrupt:
        print("\ninterrupted", flush=True)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip cleanup
        if chaos and chaos.is_alive():
            chaos.stopping.set()
            chaos.join(timeout=30)
        if not keep:
            stop_all(cluster, chaos)
            if os.path.exists(pids_path):
                os.remove(pids_path)
            print("cluster stopped", flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def write_pids(cluster, path):
    pids = {"hub": cluster.hub_process.pid}
    pids.update({c: n.process.pid for c, n in cluster.nodes.items() if n.process.pid})
    with open(path, "w") as f:
        json.dump(pids, f)


def start_agents(cluster, topo, jobs):
    """Registers every node at the hub, then starts the agents, `jobs` at a
    time and a level after another (a parent listens before its children
    start). Registering first matters at scale: each registration is an entry
    every agent takes, and agents already running would take each one alone,
    while an agent starting later takes them all in pages."""
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        for verb, fn in (("registered", lambda cp: cluster.add_agent(*cp, start=False)),
                         ("started", lambda cp: cluster.nodes[cp[0]].start())):
            done = 0
            for level in LEVEL_ORDER:
                batch = [(c, p) for c, p, lv in topo if lv == level]
                for _ in pool.map(fn, batch):
                    done += 1
                    if sys.stdout.isatty() or done % 100 == 0 or done == len(topo):
                        progress(f"{verb} {done}/{len(topo)} agents", final=(done == len(topo)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: no new agent starts


def pss_kb(pid):
    """Proportional set size: private pages plus each shared page divided by
    the processes sharing it, so a sum over processes is real memory."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def mem_available_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return None


def measure_idle(cluster, seconds=10.0):
    """The quiet tree before the stream: CPU of all agents and of the hub
    over `seconds`, total agent PSS, and the machine's available memory."""
    before, hub_before = agents_cpu(cluster), cpu_seconds(cluster.hub_process.pid)
    time.sleep(seconds)
    after, hub_after = agents_cpu(cluster), cpu_seconds(cluster.hub_process.pid)
    used = sum(after[c] - before[c] for c in before
               if before[c] is not None and after.get(c) is not None)
    pss = [pss_kb(n.process.pid) for n in cluster.nodes.values()]
    pss = [x for x in pss if x]
    out = {"agents_cpu_ms_per_s": 1000 * used / seconds,
           "agent_cpu_ms_per_s": 1000 * used / seconds / max(1, len(before)),
           "hub_cpu_ms_per_s": (1000 * (hub_after - hub_before) / seconds
                                if hub_before is not None and hub_after is not None else None),
           "agents_pss_mb": sum(pss) / 1024, "agent_pss_mb_median": statistics.median(pss) / 1024
           if pss else None, "mem_available_mb": mem_available_mb()}
    print(f"idle tree over {seconds:g} s: agents {out['agents_cpu_ms_per_s']:.0f} ms CPU/s "
          f"({out['agent_cpu_ms_per_s']:.2f} per agent), hub {out['hub_cpu_ms_per_s']:.1f} ms/s; "
          f"agents' PSS {out['agents_pss_mb']:.0f} MB (median {out['agent_pss_mb_median']:.1f}); "
          f"machine memory available {out['mem_available_mb']:.0f} MB", flush=True)
    return out


def check_thread_limit(agents):
    """Each agent runs about a dozen threads, and every thread takes a pid:
    a whole-country cluster needs more than Linux's default pid_max."""
    need = agents * 14 + 1000
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            pid_max = int(f.read())
    except OSError:
        return
    if need > pid_max:
        raise SystemExit(f"error: {agents} agents need about {need} threads (pids), more than "
                         f"kernel.pid_max {pid_max}; raise it first "
                         f"(as root: sysctl -w kernel.pid_max=4194304) or choose fewer provinces")


def stop_all(cluster, chaos):
    """SIGTERM to every daemon at once (by pid), then Cluster.stop() waits and records."""
    lock = chaos.lock if chaos else threading.Lock()
    with lock:
        for node in cluster.nodes.values():
            p = node.process.proc
            if p is not None and p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        cluster.stop()


def report(cluster, args, topo, level_of, counts, first_seq, last_seq, published,
           converged, settle_s, idle_rss, crashed, chaos):
    head = hub_head(cluster)
    heads = agent_heads(cluster)
    missing = sum(max(0, head - (h or 0)) for h in heads.values())
    lagging = sorted(c for c, h in heads.items() if h != head)
    dup = gaps = 0
    bad_rows = []
    for code, node in cluster.nodes.items():
        rows, distinct, max_seq = entry_rows(node)
        h = heads[code] if heads[code] is not None else max_seq
        if rows != h or distinct != rows:
            bad_rows.append((code, rows, h))
        dup += max(0, rows - distinct) + max(0, distinct - h)
        gaps += max(0, h - distinct)
    acked = hub_acked(cluster)
    unacked = sum(max(0, head - acked.get(c, 0)) for c in cluster.nodes)
    lags = lag_by_level(hub_db(cluster), level_of,
                        first_seq, last_seq)
    # The first entries after the agents start cost each one more (Xapian's
    # code and the indexer's heap are faulted in: 9 ms instead of 3.5 ms for
    # a 12 KB entry, measured): shown apart so the two effects can be told.
    warm_lags = (lag_by_level(hub_db(cluster), level_of, first_seq + COLD_RELEASES, last_seq)
                 if last_seq - first_seq + 1 > 2 * COLD_RELEASES else None)
    rss = {c: rss_kb(n.process.pid) for c, n in cluster.nodes.items() if n.process.pid}
    rss = {c: v for c, v in rss.items() if v is not None}
    hub_rss = rss_kb(cluster.hub_process.pid)

    print()
    print(f"=== cluster report: hub + {len(topo)} agents, {published} releases at "
          f"{args.rate:g}/s{', chaos' if args.chaos else ''}{', sites on' if args.site else ''} ===")
    if chaos:
        print(f"chaos: {chaos.agent_kills} agents SIGKILLed and restarted, hub killed "
              f"{chaos.hub_kills}x")
    print(f"converged: {'yes' if converged else 'NO'} ({settle_s:.1f} s after the stream); "
          f"hub head {head} (stream seqs {first_seq}..{last_seq})")
    print("publish-to-live lag (append at the hub -> 'live' at the node, node time converted to the hub clock), ms:")
    print(f"  {'level':<9}{'agents':>7}{'samples':>9}{'expected':>9}{'p50':>8}{'p95':>8}"
          f"{'p99':>8}{'max':>8}")
    n_stream = max(0, last_seq - first_seq + 1)
    for lv in LEVEL_ORDER:
        v = lags[lv]
        if not counts[lv]:
            continue
        cells = (f"{pct(v, 50):>8}{pct(v, 95):>8}{pct(v, 99):>8}{max(v):>8}" if v
                 else f"{'-':>8}{'-':>8}{'-':>8}{'-':>8}")
        print(f"  {lv:<9}{counts[lv]:>7}{len(v):>9}{counts[lv] * n_stream:>9}{cells}")
    allv = [x for lv in LEVEL_ORDER for x in lags[lv]]
    if allv:
        print(f"  {'all':<9}{len(topo):>7}{len(allv):>9}{len(topo) * n_stream:>9}"
              f"{pct(allv, 50):>8}{pct(allv, 95):>8}{pct(allv, 99):>8}{max(allv):>8}")
    if warm_lags and warm_lags["county"]:
        w = warm_lags["county"]
        print(f"  county, leaving out the first {COLD_RELEASES} releases after the agents "
              f"started: p50 {pct(w, 50)}, p95 {pct(w, 95)}, p99 {pct(w, 99)}, max {max(w)}")
    print(f"missing entries (sum over agents of hub head - agent head): {missing}"
          + (f"  lagging: {', '.join(lagging[:10])}{' ...' if len(lagging) > 10 else ''}"
             if lagging else ""))
    print(f"entries not acknowledged 'live' at the hub: {unacked}")
    print(f"duplicates (agent entries rows beyond head): {dup}; gaps (rows short of head): {gaps}"
          + (f"  e.g. {bad_rows[:5]}" if bad_rows else ""))
    if rss:
        v = sorted(rss.values())
        print(f"agent RSS now (VmRSS): min {v[0] / 1024:.1f} MB, median "
              f"{statistics.median(v) / 1024:.1f} MB, max {v[-1] / 1024:.1f} MB "
              f"(max at {max(rss, key=rss.get)}); sum {sum(v) / 1024:.0f} MB")
    iv = sorted(x for x in idle_rss.values() if x)
    if iv:
        print(f"agent RSS idle after start: min {iv[0] / 1024:.1f} MB, median "
              f"{statistics.median(iv) / 1024:.1f} MB, max {iv[-1] / 1024:.1f} MB")
    av = sorted(x for x in getattr(args, "idle_anon", {}).values() if x)
    if av:
        print(f"  of which the agent's own (RssAnon; the rest is shared library pages): "
              f"median {statistics.median(av) / 1024:.1f} MB, max {av[-1] / 1024:.1f} MB")
    after = sorted(x for x in getattr(args, "after_rss", {}).values() if x)
    after_anon = sorted(x for x in getattr(args, "after_anon", {}).values() if x)
    if after and after_anon:
        print(f"agent RSS idle after the stream ({IDLE_AFTER_STREAM_S:g} s quiet): min "
              f"{after[0] / 1024:.1f} MB, median {statistics.median(after) / 1024:.1f} MB, "
              f"max {after[-1] / 1024:.1f} MB; RssAnon median "
              f"{statistics.median(after_anon) / 1024:.1f} MB")
    if hub_rss:
        print(f"hub RSS: {hub_rss / 1024:.1f} MB")
    if args.cpu_per_delivery_ms is not None:
        print(f"agent CPU per delivered entry: {args.cpu_per_delivery_ms:.2f} ms "
              f"(all agents' CPU during stream and settling / (releases x agents))")
    if getattr(args, "cpu_by_level_ms", None):
        print("  median agent's CPU per release, by level: " + ", ".join(
            f"{lv} {args.cpu_by_level_ms[lv]:.1f} ms" for lv in LEVELS.values()
            if lv in args.cpu_by_level_ms))
    if crashed:
        print(f"DAEMONS THAT EXITED ON THEIR OWN: {crashed}")
    if chaos and chaos.errors:
        print(f"chaos errors: {chaos.errors}")
    failed = (not converged or missing or dup or gaps or crashed or published < args.releases
              or (chaos and chaos.errors))
    print("result:", "FAIL" if failed else "OK")
    if args.json:
        def summary(v):
            return ({"count": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99),
                     "max": max(v)} if v else None)
        iv_mb = [x / 1024 for x in iv]
        with open(args.json, "w") as f:
            json.dump({"agents": len(topo), "levels": counts, "releases": published,
                       "rate": args.rate, "chaos": bool(args.chaos), "converged": converged,
                       "settle_s": settle_s, "missing": missing, "duplicates": dup, "gaps": gaps,
                       "lag_live_ms": {lv: summary(lags[lv]) for lv in LEVEL_ORDER},
                       "lag_live_ms_all": summary(allv),
                       "lag_live_ms_county_after_cold":
                           summary(warm_lags["county"]) if warm_lags else None,
                       "cpu_per_delivery_ms": args.cpu_per_delivery_ms,
                       "cpu_per_release_ms_by_level": getattr(args, "cpu_by_level_ms", None),
                       "rss_idle_mb": {"min": iv_mb[0], "median": statistics.median(iv_mb),
                                       "max": iv_mb[-1]} if iv_mb else None,
                       "rss_mb_max": max(rss.values()) / 1024 if rss else None,
                       "anon_idle_mb_median": statistics.median(av) / 1024 if av else None,
                       "rss_after_stream_mb": {"min": after[0] / 1024,
                                               "median": statistics.median(after) / 1024,
                                               "max": after[-1] / 1024} if after else None,
                       "anon_after_stream_mb_median":
                           statistics.median(after_anon) / 1024 if after_anon else None,
                       "hub_rss_mb": hub_rss / 1024 if hub_rss else None,
                       "idle": getattr(args, "idle", None),
                       "start_s": getattr(args, "start_s", None),
                       "result": "FAIL" if failed else "OK"}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
