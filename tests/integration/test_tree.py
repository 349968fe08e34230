#!/usr/bin/env python3
"""Integration test: lag you can trust, on a real tree of daemons on loopback.

hub -> 浙江省 330000 -> 杭州市 330100 -> 西湖区 330106 (clock 5 minutes fast,
failover parent -> province -> hub) and 上城区 330102 (parent only).
Reports travel up the tree; the relay 330100 is frozen (fault injection:
alive, answering, not following) and then killed, and the test checks what
the hub says about every node, and that nothing is lost or repeated.

usage: test_tree.py --build-dir BUILD --fixtures tests/fixtures [--keep]
"""
import os
import signal
import sqlite3
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import zqcluster as zq  # noqa: E402
from zqtest import Suite, expect  # noqa: E402

SKEW_MS = 5 * 60 * 1000
FAST = {"report_interval_s": 1, "poll_wait_s": 3}
CHAIN = [("330000", None, FAST),
         ("330100", "330000", {**FAST, "fault_injection": True}),
         ("330106", "330100", {**FAST, "clock_skew_ms": SKEW_MS}),
         ("330102", "330100", {**FAST, "failover": False}),
         ("330108", "330100", {**FAST, "push_callback_url": "self"})]
HUB = {"head_interval_s": 1, "head_expiry_s": 4, "offline_after_s": 6, "stall_after_s": 120,
       "max_wait_s": 3}
SUITE = Suite(CHAIN, page_size=20, hub_config=HUB)
test = SUITE.test


def node_status(ctx, code):
    return next(n for n in ctx.cluster.hub_status()["nodes"] if n["code"] == code)


def publish(ctx, n):
    docs = ctx.docs[ctx.next_doc:ctx.next_doc + n]
    ctx.next_doc += n
    return [ctx.cluster.publish(zq.release_from_document(d)) for d in docs]


def all_live(ctx, codes=None):
    head = ctx.cluster.hub_head()
    codes = codes or [c for c, _, _ in CHAIN]
    return all(node_status(ctx, c)["origins"]["000000"]["live"] == head for c in codes)


def exactly_once(ctx, code):
    """The agent holds seqs 1..head of the hub's log, each exactly once."""
    node = ctx.cluster.nodes[code]
    con = sqlite3.connect(f"file:{node.db_path}?mode=ro", uri=True, timeout=10)
    try:
        rows, distinct, top = con.execute(
            "SELECT COUNT(*), COUNT(DISTINCT seq), COALESCE(MAX(seq), 0) FROM entries "
            "WHERE origin = '000000'").fetchone()
    finally:
        con.close()
    return rows == distinct == top


@test
def reports_travel_up_the_tree_and_every_node_is_ok(ctx):
    ctx.docs = zq.load_documents(os.path.join(ctx.fixtures, "govcn_state_council_2019.jsonl"))
    ctx.next_doc = 0
    publish(ctx, 10)
    zq.wait_until(lambda: all_live(ctx), 30, "every node to report the hub head live")
    for code, _, _ in CHAIN:
        n = node_status(ctx, code)
        expect(n["state"] == "OK", f"{code} is {n['state']}: {n['why']}")
        # Every report reaches the hub in the province's envelope: the tree
        # carries them, nobody below it talks to the hub.
        expect(n["via"] == "330000", f"{code}'s reports came via {n['via']}")
        expect(n["reports"]["missing"] == 0, f"{code} lost reports: {n['reports']}")
    counters = zq.get_json(ctx.cluster.hub_url + "/api/v1/counters")
    expect(counters["reports_relayed"] > 0, f"no relayed reports: {counters}")
    expect(counters["reports_refused"] == 0, f"refused reports: {counters}")


@test
def a_clock_five_minutes_fast_shows_the_right_lag(ctx):
    # The estimate builds up the tree, one report round per level.
    zq.wait_until(lambda: node_status(ctx, "330106").get("clock") is not None, 20,
                  "the county to report a clock estimate")
    n = node_status(ctx, "330106")
    off = n["clock"]["offset_ms"]
    expect(abs(off + SKEW_MS) <= 1000, f"offset estimate {off} ms, truth {-SKEW_MS}")
    lag = n["origins"]["000000"]["lag_ms"]
    for stage in ("received", "verified", "indexed", "live"):
        s = lag[stage]
        expect(s is not None and s["count"] >= 10, f"no {stage} lags: {lag}")
        expect(0 <= s["p50"] <= s["max"] <= 5000,
               f"{stage} lag at the skewed county should be small and never negative: {s}")
    # Stages in order at every release: received <= verified <= indexed <= live.
    rel = zq.get_json(ctx.cluster.hub_url + "/api/v1/releases")[0]
    doc = zq.get_json(f"{ctx.cluster.hub_url}/api/v1/status/releases/{urllib.parse.quote(rel['id'], safe='')}")
    at = next(x for x in doc["live"] if x["code"] == "330106")["stages"]
    order = [at[s]["lag_ms"] for s in ("received", "verified", "indexed", "live")]
    expect(order == sorted(order) and order[0] >= 0, f"stage lags out of order: {at}")


@test
def release_status_says_where_a_release_is_live(ctx):
    rel = zq.get_json(ctx.cluster.hub_url + "/api/v1/releases")[0]
    doc = zq.get_json(f"{ctx.cluster.hub_url}/api/v1/status/releases/{urllib.parse.quote(rel['id'], safe='')}")
    expect(doc["live_count"] == len(CHAIN) and doc["lacking_count"] == 0,
           f"release status: {doc['live_count']} live, lacking {doc['lacking']}")
    status, _, _ = zq.http("GET", ctx.cluster.hub_url + "/api/v1/status/releases/nope")
    expect(status == 404, f"unknown release answered {status}")


@test
def a_node_that_accepts_connections_is_also_pushed_to_and_checks_the_hmac(ctx):
    city, county = ctx.cluster.nodes["330100"], ctx.cluster.nodes["330108"]
    db = os.path.join(city.workdir, "data", "websub.db")

    def subscription():
        if not os.path.exists(db):
            return None
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute("SELECT topic, callback FROM subscriptions WHERE callback LIKE ? "
                               "AND topic LIKE '%/000000'", (county.url + "%",)).fetchone()
        finally:
            con.close()
    zq.wait_until(subscription, 20, "the county's push subscription at its city")
    topic, callback = subscription()
    before = zq.get_json(county.url + "/api/v1/counters")
    publish(ctx, 2)
    zq.wait_until(lambda: zq.get_json(county.url + "/api/v1/counters")["push_received"]
                  > before["push_received"], 20, "a push from the city")
    zq.wait_until(lambda: county.head() == ctx.cluster.hub_head(), 20, "the county at the head")
    body = zq.http("GET", f"{city.url}/api/v1/feeds/000000?after=0")[2]
    # Forged or unsigned pushes are refused (WebSub subscriber tests 301, 302).
    status, _, _ = zq.http("POST", callback, body, {"Content-Type": "application/atom+xml",
                                                    "X-Hub-Signature": "sha256=" + "0" * 64})
    expect(status == 403, f"a push with a wrong signature answered {status}")
    status, _, _ = zq.http("POST", callback, body, {"Content-Type": "application/atom+xml"})
    expect(status == 403, f"a push without a signature answered {status}")
    # A verification for a topic it did not ask for is not confirmed (test 205).
    q = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.topic": topic + "x",
                                "hub.challenge": "c4a11e", "hub.lease_seconds": "60"})
    status, _, reply = zq.http("GET", f"{callback}?{q}")
    expect(status >= 400 and b"c4a11e" not in reply, f"foreign topic verified: {status}")
    after = zq.get_json(county.url + "/api/v1/counters")
    expect(after["push_bad_signature"] >= before["push_bad_signature"] + 2,
           f"bad pushes not counted: {after}")
    expect(exactly_once(ctx, "330108"), "the pushed-to county holds an entry twice or misses one")


@test
def a_frozen_relay_makes_its_subtree_stale_and_failover_routes_around_it(ctx):
    city = ctx.cluster.nodes["330100"]
    os.kill(city.process.pid, signal.SIGUSR1)  # freeze: alive, answering, not following
    t0 = time.monotonic()
    publish(ctx, 3)
    expiry = HUB["head_expiry_s"]

    def stale(code):
        return node_status(ctx, code)["state"] == "STALE"
    zq.wait_until(lambda: stale("330100") and stale("330102"), expiry + 6,
                  "the frozen city and its parent-only county to be STALE")
    took = time.monotonic() - t0
    print(f"  frozen relay: city and county STALE at the hub {took:.1f} s after the freeze "
          f"(head expiry {expiry} s)")
    why = node_status(ctx, "330102")["why"]
    expect("expired" in why, f"STALE without the reason: {why}")
    # The county with a failover list leaves the frozen city and keeps up.
    county = ctx.cluster.nodes["330106"]
    zq.wait_until(lambda: county.head() == ctx.cluster.hub_head(), 30,
                  "the failover county to get the new releases around the frozen city")
    expect(county.status()["upstream"] != city.url, "county still follows the frozen city")
    expect(ctx.cluster.nodes["330102"].head() < ctx.cluster.hub_head(),
           "the parent-only county cannot have entries its frozen parent never fetched")
    os.kill(city.process.pid, signal.SIGUSR1)  # thaw
    zq.wait_until(lambda: all_live(ctx), 30, "the whole tree live again after the thaw")
    zq.wait_until(lambda: all(node_status(ctx, c)["state"] == "OK" for c, _, _ in CHAIN), 20,
                  "every node OK again")
    zq.wait_until(lambda: county.status()["upstream"] == city.url, 30,
                  "the county to return to its parent")
    for code, _, _ in CHAIN:
        expect(exactly_once(ctx, code), f"{code} holds an entry twice or misses one")


@test
def a_dead_relay_is_offline_its_children_fail_over_and_it_catches_up(ctx):
    city = ctx.cluster.nodes["330100"]
    city.process.kill()
    publish(ctx, 3)
    county = ctx.cluster.nodes["330106"]
    zq.wait_until(lambda: county.head() == ctx.cluster.hub_head(), 40,
                  "the failover county to get releases while its parent is dead")
    zq.wait_until(lambda: node_status(ctx, "330100")["state"] == "OFFLINE", 20,
                  "the dead city to show OFFLINE")
    city.start()
    zq.wait_until(lambda: all_live(ctx), 40, "every node live after the city restarts")
    for code, _, _ in CHAIN:
        expect(exactly_once(ctx, code), f"{code} holds an entry twice or misses one")


@test
def catch_up_after_an_outage_is_batched_with_progress(ctx):
    county = ctx.cluster.nodes["330102"]
    county.stop()
    n = 240  # 12 full pages of 20
    for i in range(n):
        release = zq.release_from_document(ctx.docs[i % len(ctx.docs)])
        release["id"] = f"catchup-{i}"
        ctx.cluster.publish(release)
    head = ctx.cluster.hub_head()
    county.start()
    zq.wait_until(lambda: county.head() == head, 60, "the county to catch up")
    zq.wait_until(lambda: county.status()["origins"]["000000"]["indexed"] == head, 60,
                  "the county's index to catch up")
    # What is indexed is searchable at once; the commit that makes it durable
    # follows within seconds (once the indexer has been idle for 15 s).
    zq.wait_until(lambda: county.status()["counters"]["index_commits"] >= 1, 60,
                  "the county's index commit")
    c = county.status()["counters"]
    expect(c["entries_verified"] >= n, f"verified {c['entries_verified']} of {n}")
    # Per page and per batch, not per entry.
    expect(c["store_commits"] <= n // 20 + 4, f"{c['store_commits']} store commits for {n}")
    # Commits are shared by whatever is indexed within 10 s (and forced per
    # 500 entries), so a catch-up of a few hundred takes one or two.
    expect(c["index_commits"] <= 3, f"{c['index_commits']} index commits for {n}")
    log = open(os.path.join(county.workdir, "agent.log"), errors="replace").read()
    progress = [line for line in log.splitlines()
                if "event=entries_applied" in line and f"upstream_head={head}" in line]
    expect(len(progress) >= 5, "catch-up shows no progress lines (entries_applied ... "
           f"upstream_head={head})")
    print(f"  catch-up of {n} entries: {c['store_commits']} store commits, "
          f"{c['index_commits']} index commits")
    expect(exactly_once(ctx, "330102"), "the county holds an entry twice or misses one")


if __name__ == "__main__":
    sys.exit(SUITE.main(__doc__))
