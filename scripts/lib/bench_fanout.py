#!/usr/bin/env python3
"""scripts/bench/fanout: see the header of that script."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "govcn_state_council_2019.jsonl")
LEVELS = ["province", "city", "county"]


# Entries per index commit in the agents' stream: they share a commit among
# what they index within 10 s (Indexer::kCommitDelayMs), ~10 at 1 release/s.
SHARED_COMMIT = 10


def floor(build_dir, runs, commit_every=1):
    with tempfile.TemporaryDirectory(prefix="zhanqun-floor-") as d:
        out = subprocess.run([os.path.join(build_dir, "bin", "zhanqun_bench_floor"), FIXTURE, d,
                              str(runs), str(commit_every)],
                             check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def cluster(build_dir, provinces, releases, rate, site):
    with tempfile.TemporaryDirectory(prefix="zhanqun-fanout-") as d:
        report = os.path.join(d, "report.json")
        r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "lib", "cluster.py"),
                            "--build-dir", build_dir, "--provinces", provinces,
                            "--releases", str(releases), "--rate", str(rate),
                            "--workdir", os.path.join(d, "cluster"), "--json", report]
                           + (["--site"] if site else []),
                           capture_output=True, text=True)
        if not os.path.exists(report):
            sys.stderr.write(r.stdout[-3000:] + r.stderr[-3000:])
            raise SystemExit(f"fanout: the cluster run at {rate}/s produced no report")
        with open(report) as f:
            return json.load(f)


def main():
    ap = argparse.ArgumentParser(prog="scripts/bench/fanout")
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--provinces", default="330000")
    ap.add_argument("--rates", default="0.5,1", help="releases per second, comma-separated")
    ap.add_argument("--releases", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3, help="cluster runs per rate (medians)")
    ap.add_argument("--floor-runs", type=int, default=3)
    ap.add_argument("--site", action="store_true",
                    help="agents render their local sites: 'live' is the release's page served "
                         "with every level's layer, not just searchable")
    args = ap.parse_args()

    f = floor(os.path.abspath(args.build_dir), args.floor_runs)
    print(f"floor per entry per node (median of {f['runs']} runs over {f['entries']} real "
          f"documents, {f['mean_entry_bytes']} B each):")
    print(f"  verify {f['verify_us'] / 1000:.2f} ms   (raw OpenSSL Ed25519 verify of the same "
          f"bytes: {f['openssl_ed25519_verify_us'] / 1000:.3f} ms, ratio "
          f"{f['verify_us'] / f['openssl_ed25519_verify_us']:.1f}x)")
    print(f"  store  {f['store_us'] / 1000:.2f} ms   index {f['index_us'] / 1000:.2f} ms "
          f"(of which commit {f['index_commit_us'] / 1000:.2f} ms)")
    print(f"  floor  {f['floor_us'] / 1000:.2f} ms per node, each entry committed (durable) "
          f"at once")
    fs = floor(os.path.abspath(args.build_dir), args.floor_runs, SHARED_COMMIT)
    print(f"  with one commit per {SHARED_COMMIT} entries, as agents share commits in a stream: "
          f"index {fs['index_us'] / 1000:.2f} ms (commit {fs['index_commit_us'] / 1000:.2f}), "
          f"floor {fs['floor_us'] / 1000:.2f} ms (raw OpenSSL in that run "
          f"{fs['openssl_ed25519_verify_us'] / 1000:.3f} ms)")

    for rate in [float(x) for x in args.rates.split(",")]:
        runs = [cluster(os.path.abspath(args.build_dir), args.provinces, args.releases, rate,
                        args.site) for _ in range(args.runs)]
        agents = runs[0]["agents"]
        tree_floor_ms = f["floor_us"] / 1000 * agents
        print(f"\n{args.provinces}: {agents} agents, {args.releases} releases at {rate:g}/s, "
              f"{len(runs)} run(s), sites {'on' if args.site else 'off'}; medians over runs")
        print(f"  {'level':<9}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}   publish-to-live, ms")
        for lv in LEVELS + ["all"]:
            cells = [r["lag_live_ms"].get(lv) if lv != "all" else r["lag_live_ms_all"]
                     for r in runs]
            cells = [c for c in cells if c]
            if not cells:
                continue
            med = {k: statistics.median(c[k] for c in cells) for k in ("p50", "p95", "p99", "max")}
            print(f"  {lv:<9}{med['p50']:>8.0f}{med['p95']:>8.0f}{med['p99']:>8.0f}"
                  f"{med['max']:>8.0f}")
        if len(runs) > 1 and all(r["lag_live_ms"].get("county") for r in runs):
            print("  county p99 of each run: " +
                  ", ".join(f"{r['lag_live_ms']['county']['p99']:.0f}" for r in runs) + " ms")
        warm = [r["lag_live_ms_county_after_cold"] for r in runs
                if r.get("lag_live_ms_county_after_cold")]
        if warm:
            med = {k: statistics.median(c[k] for c in warm) for k in ("p50", "p95", "p99", "max")}
            print(f"  county, leaving out the first 5 releases after the agents started: "
                  f"{med['p50']:.0f} / {med['p95']:.0f} / {med['p99']:.0f} / {med['max']:.0f}")
        cpu = statistics.median(r["cpu_per_delivery_ms"] for r in runs)
        rss = statistics.median(r["rss_idle_mb"]["median"] for r in runs)
        rss_max = statistics.median(r["rss_idle_mb"]["max"] for r in runs)
        ok = all(r["result"] == "OK" for r in runs)
        print(f"  CPU per delivered entry {cpu:.2f} ms = {cpu / (f['floor_us'] / 1000):.1f}x "
              f"the floor ({cpu / (fs['floor_us'] / 1000):.1f}x the shared-commit floor); "
              f"the tree needs {cpu * agents / 1000:.2f} CPU-s per release "
              f"(floor {tree_floor_ms / 1000:.2f}) on {os.cpu_count()} cores")
        by_level = [r["cpu_per_release_ms_by_level"] for r in runs
                    if r.get("cpu_per_release_ms_by_level")]
        if by_level:
            print("  median agent's CPU per release: " + ", ".join(
                f"{lv} {statistics.median(b[lv] for b in by_level if lv in b):.1f} ms"
                for lv in LEVELS if any(lv in b for b in by_level)))
        anon = statistics.median(r["anon_idle_mb_median"] or 0 for r in runs)
        print(f"  agent RSS idle after start: median {rss:.1f} MB, max {rss_max:.1f} MB (own "
              f"memory, RssAnon: median {anon:.1f} MB; the rest is shared library pages); "
              f"missing/duplicates: {sum(r['missing'] + r['duplicates'] for r in runs)}; "
              f"result {'OK' if ok else 'FAIL'}")
        after = [r for r in runs if r.get("rss_after_stream_mb")]
        if after:
            print(f"  agent RSS idle after the stream: median "
                  f"{statistics.median(r['rss_after_stream_mb']['median'] for r in after):.1f} MB, "
                  f"max {statistics.median(r['rss_after_stream_mb']['max'] for r in after):.1f} MB "
                  f"(RssAnon median "
                  f"{statistics.median(r['anon_after_stream_mb_median'] for r in after):.1f} MB)")
        country = 3433  # every division in config/admin_divisions_cn.csv
        idle = [r["idle"] for r in runs if r.get("idle")]
        pss = statistics.median(i["agent_pss_mb_median"] for i in idle) if idle else None
        idle_cpu = statistics.median(i["agent_cpu_ms_per_s"] for i in idle) if idle else None
        print(f"  idle tree: {idle_cpu:.2f} ms CPU/s and {pss:.1f} MB PSS per agent" if idle
              else "  idle tree: not measured")
        print(f"  whole country at these figures (one machine; the registry each agent holds "
              f"grows with the tree, so these are floors): {country} agents x "
              + (f"{pss:.1f} MB PSS = {country * pss / 1024:.1f} GB; idle "
                 f"{country * idle_cpu / 1000:.2f} CPU-s/s; " if idle else "")
              + f"{cpu * country / 1000:.1f} CPU-s per release")


if __name__ == "__main__":
    main()
