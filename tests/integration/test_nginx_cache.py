#!/usr/bin/env python3
"""Integration test: feeds through a real nginx cache. A real hub, Debian's
nginx on a loopback port running the shipped config/nginx-feed-cache.conf
(paths and ports rewritten into the test's temp directory), and three real
agents (浙江省, 江苏省, 广东省) whose parent_url and hub_url are nginx. Checks
that nginx serves full pages from its cache, collapses followers, answers
conditional GETs with 304, never serves the head page stale beyond its
max-age, and that /metrics on hub and agent passes `promtool check metrics`.

usage: test_nginx_cache.py --build-dir BUILD --fixtures tests/fixtures [--keep]
"""
import os
import pwd
import grp
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import zqcluster as zq  # noqa: E402
from zqtest import ROOT, Suite, expect  # noqa: E402

PAGE = 10  # full pages of 10: the 25 releases fill two of them and start a third
AGENTS = ["330000", "320000", "440000"]
MAX_WAIT = 3  # the hub holds long-polls 3 s (not 30), so the test sees them time out
SUITE = Suite([], page_size=PAGE, hub_config={"max_wait_s": MAX_WAIT})
test = SUITE.test

NGINX_EXAMPLE = os.path.join(ROOT, "config", "nginx-feed-cache.conf")
LOG_FORMAT = ('$msec $request_method "$request_uri" $status $upstream_cache_status '
              '"$upstream_addr"')
LOG_LINE = re.compile(r'^\S+ (\S+) "([^"]*)" (\d+) (\S+) "([^"]*)"$')


def nginx_config(ctx, port):
    """The shipped example with its site-specific values replaced, inside a
    main config that keeps every path nginx writes in the temp directory."""
    d = ctx.nginx_dir
    text = open(NGINX_EXAMPLE).read()
    replacements = [("/var/cache/nginx/zhanqun", os.path.join(d, "cache")),
                    ("server 127.0.0.1:8100;", f"server 127.0.0.1:{ctx.cluster.hub_port};"),
                    ("listen 80;", f"listen 127.0.0.1:{port};")]
    for old, new in replacements:
        expect(old in text, f"{NGINX_EXAMPLE} no longer contains {old!r}: update this test")
        text = text.replace(old, new)
    with open(os.path.join(d, "zhanqun.conf"), "w") as f:
        f.write(text)
    # nginx started as root runs its workers as 'nobody', who could not
    # write into our private temp directory: keep them as the caller.
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
    temp = "\n".join(f"  {k}_temp_path {os.path.join(d, k)};"
                     for k in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    main = f"""{user}
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 512; }}
http {{
{temp}
  log_format zq '{LOG_FORMAT}';
  access_log {d}/access.log zq;
  include {d}/zhanqun.conf;
}}
"""
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(main)
    return conf


def access_log(ctx):
    """(method, uri, status, cache status, upstream address) per request."""
    rows = []
    with open(os.path.join(ctx.nginx_dir, "access.log")) as f:
        for line in f:
            m = LOG_LINE.match(line.strip())
            expect(m, f"unparsable access log line: {line!r}")
            rows.append(m.groups())
    return rows


def feed_rows(ctx):
    return [r for r in access_log(ctx) if r[0] == "GET" and r[1].startswith("/api/v1/feeds/")]


def entries_of(base_url, head):
    """Every entry of the hub's log as served by `base_url`, page by page."""
    out, after = b"", 0
    while after < head:
        status, _, body = zq.http("GET", f"{base_url}/api/v1/feeds/000000?after={after}")
        expect(status == 200, f"{base_url} feed after={after} answered {status}")
        out += body[body.index(b"<entry"):body.rindex(b"</entry>") + len(b"</entry>")]
        after += body.count(b"</entry>")
    return out


@test
def nginx_starts_in_front_of_the_hub_with_the_shipped_config(ctx):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    expect(os.path.exists(nginx), "nginx is not installed (scripts/install-deps installs it)")
    ctx.nginx_dir = os.path.join(ctx.workdir, "nginx")
    os.makedirs(os.path.join(ctx.nginx_dir, "cache"))
    port = zq.free_port()
    conf = nginx_config(ctx, port)
    argv = [nginx, "-p", ctx.nginx_dir, "-c", conf, "-e", os.path.join(ctx.nginx_dir, "error.log")]
    r = subprocess.run(argv + ["-t"], capture_output=True, text=True)
    expect(r.returncode == 0, f"nginx -t: {r.stderr}")
    proc = zq.Process("nginx", argv + ["-g", "daemon off;"],
                      os.path.join(ctx.nginx_dir, "nginx.out"))
    ctx.cluster.helpers.append(proc)
    proc.start()
    ctx.nginx_url = f"http://127.0.0.1:{port}"
    zq.wait_until(lambda: zq.http("GET", ctx.nginx_url + "/healthz", timeout=2)[0] == 200, 20,
                  "nginx to proxy /healthz to the hub")


@test
def agents_behind_nginx_catch_up_from_cached_full_pages(ctx):
    for code in AGENTS:  # registered first: the releases come after their registry entries
        ctx.cluster.add_agent(code, start=False, parent_url=ctx.nginx_url,
                              hub_url=ctx.nginx_url)
    docs = zq.load_documents(os.path.join(ctx.fixtures, "govcn_state_council_2019.jsonl"), 25)
    for doc in docs:
        ctx.cluster.publish(zq.release_from_document(doc))
    head = ctx.cluster.hub_head()
    expect(head > 2 * PAGE, f"hub head {head} does not fill two pages of {PAGE}")
    for code in AGENTS:
        ctx.cluster.nodes[code].start()
    for code in AGENTS:
        node = ctx.cluster.nodes[code]
        zq.wait_until(lambda: node.head() == head, 30, f"{code} to reach hub head {head}")
        status = node.status()
        expect(status["quarantine_count"] == 0, f"{code} quarantined entries: {status}")
        expect(status["parent_url"] == ctx.nginx_url, f"{code} does not follow nginx: {status}")
    hub_entries = entries_of(ctx.cluster.hub_url, head)
    expect(hub_entries.count(b"</entry>") == head, "hub did not serve its whole log")
    for code in AGENTS:
        expect(entries_of(ctx.cluster.nodes[code].url, head) == hub_entries,
               f"{code} holds entries that differ from the hub's bytes")

    full = {f"/api/v1/feeds/000000?after={a}&wait=25" for a in range(0, head - PAGE + 1, PAGE)}
    rows = [r for r in feed_rows(ctx) if r[1] in full]
    hits = sum(1 for r in rows if r[3] == "HIT")
    upstream = sum(1 for r in rows if r[4] != "-")
    print(f"  full pages {sorted(full)}: {len(rows)} agent requests, {hits} cache hits, "
          f"{upstream} upstream")
    expect(hits >= (len(AGENTS) - 1) * len(full),
           f"full pages were not served from nginx's cache: {rows}")
    expect(upstream == len(full), f"each full page should reach the hub once: {rows}")


@test
def every_agent_is_verified_at_the_hub_through_acks_sent_via_nginx(ctx):
    head = ctx.cluster.hub_head()

    def all_verified():
        nodes = {n["code"]: n for n in ctx.cluster.hub_status()["nodes"]}
        return all(nodes[c]["origins"]["000000"]["verified"] == head for c in AGENTS)
    zq.wait_until(all_verified, 20, "the hub to see every agent verified")
    acks = [r for r in access_log(ctx) if r[0] == "POST" and r[1] == "/api/v1/acks"]
    expect(acks and all(r[2] == "200" and r[3] == "-" for r in acks),
           f"acks through nginx should pass uncached and succeed: {acks[:5]}")


@test
def a_conditional_get_through_nginx_answers_304(ctx):
    url = f"{ctx.nginx_url}/api/v1/feeds/000000?after=0"
    status, headers, _ = zq.http("GET", url)
    expect(status == 200, f"first GET answered {status}")
    etag = headers.get("ETag")
    expect(etag, f"no ETag through nginx: {headers}")
    expect("immutable" in headers.get("Cache-Control", ""), f"full page not immutable: {headers}")
    status, headers, _ = zq.http("GET", url)
    expect(headers.get("X-Cache-Status") == "HIT", f"second GET not from the cache: {headers}")
    status, headers, body = zq.http("GET", url, headers={"If-None-Match": etag})
    expect(status == 304 and body == b"", f"If-None-Match {etag} answered {status}")
    status, _, _ = zq.http("GET", url, headers={"If-None-Match": '"000000-0-1"'})
    expect(status == 200, f"a stale ETag answered {status}, want 200")


@test
def the_head_page_is_never_served_stale_beyond_its_max_age(ctx):
    lags = []
    before = len(feed_rows(ctx))
    for i in range(5):
        time.sleep(0.5)  # let the agents' long-polls reach nginx again
        t0 = time.monotonic()
        seq = ctx.cluster.publish({"id": f"cache-probe-{i}", "title": f"缓存测试第{i + 1}号",
                                   "authority": "国务院办公厅", "body_text": "缓存"})["seq"]
        for code in AGENTS:
            node = ctx.cluster.nodes[code]
            zq.wait_until(lambda: node.head() >= seq, 3, f"{code} to receive seq {seq} via nginx",
                          interval=0.02)
        lags.append(time.monotonic() - t0)
    print(f"  publish-to-every-agent through nginx: max {max(lags):.2f}s over {len(lags)} "
          f"(each {', '.join(f'{x:.2f}' for x in lags)})")
    expect(max(lags) < 2.0, f"an agent got the head page later than its max-age allows: {lags}")
    rows = feed_rows(ctx)[before:]
    agent_requests = len(rows)
    upstream = sum(1 for r in rows if r[4] != "-")
    hits = sum(1 for r in rows if r[3] == "HIT")
    print(f"  live head: {agent_requests} agent requests, {hits} cache hits, "
          f"{upstream} upstream")
    expect(upstream < agent_requests,
           f"nginx collapsed no long-poll: {upstream} upstream of {agent_requests}")


@test
def timed_out_long_polls_are_not_cached_so_idle_followers_neither_spin_nor_fail(ctx):
    def counters():
        return {c: ctx.cluster.nodes[c].status()["counters"] for c in AGENTS}
    before, rows_before = counters(), len(feed_rows(ctx))
    idle = 4 * MAX_WAIT
    time.sleep(idle)
    after = counters()
    rows = feed_rows(ctx)[rows_before:]
    for code in AGENTS:
        fetches = after[code]["fetches"] - before[code]["fetches"]
        expect(after[code]["fetch_errors"] == before[code]["fetch_errors"],
               f"{code} had fetch errors while idle behind nginx")
        # One answer per hub wait at most, plus the one in flight at each end.
        expect(fetches <= idle // MAX_WAIT + 2, f"{code} fetched {fetches} times in {idle}s idle")
    expect(rows and all(r[2] == "200" and r[3] != "HIT" for r in rows),
           f"an empty page was served from the cache or failed: {rows}")
    print(f"  idle {idle}s: {len(rows)} feed requests, none from the cache, no errors")


def promtool_check(text, where):
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True)
    expect(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
           f"promtool check metrics on {where}: exit {r.returncode}: {r.stdout}{r.stderr}")


def metric(text, name, labels=""):
    m = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    expect(m, f"no sample {name}{labels}")
    return float(m.group(1))


@test
def metrics_of_hub_and_agent_pass_promtool(ctx):
    expect(shutil.which("promtool"), "promtool is missing (scripts/install-deps installs it)")
    head = ctx.cluster.hub_head()
    status, headers, body = zq.http("GET", ctx.cluster.hub_url + "/metrics")
    expect(status == 200, f"hub /metrics answered {status}")
    expect(headers.get("Content-Type") == "text/plain; version=0.0.4; charset=utf-8",
           f"hub /metrics content type {headers.get('Content-Type')}")
    hub = body.decode()
    promtool_check(hub, "the hub")
    expect(metric(hub, "zhanqun_hub_releases_published_total") >= 25, "releases counter")
    expect(metric(hub, "zhanqun_hub_log_head_seq", '{origin="000000"}') == head, "head gauge")
    labels = '{node="330000",level="province",origin="000000"}'
    zq.wait_until(lambda: metric(zq.http("GET", ctx.cluster.hub_url + "/metrics")[2].decode(),
                                 "zhanqun_hub_node_verified_seq", labels) == head,
                  10, "the verified gauge to reach the head")
    expect(metric(hub, "zhanqun_hub_node_last_contact_age_seconds",
                  '{node="440000",level="province"}') < 60, "last contact age")
    for code in AGENTS:
        status, headers, body = zq.http("GET", ctx.cluster.nodes[code].url + "/metrics")
        expect(status == 200 and headers.get("Content-Type", "").startswith(
            "text/plain; version=0.0.4"), f"agent {code} /metrics: {status} {headers}")
        text = body.decode()
        promtool_check(text, f"agent {code}")
        expect(metric(text, "zhanqun_agent_log_head_seq", '{origin="000000"}') == head,
               f"agent {code} head gauge")
        expect(metric(text, "zhanqun_agent_info", f'{{node="{code}",level="province"}}') == 1,
               f"agent {code} info")
        expect(metric(text, "zhanqun_agent_entries_verified_total") >= head,
               f"agent {code} verified counter")


if __name__ == "__main__":
    sys.exit(SUITE.main(__doc__))
