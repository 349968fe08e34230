#!/usr/bin/env python3
"""The zhanqun demo: a real three-level chain on loopback carrying real policies."""
import argparse
import os
import statistics
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import zqcluster as zq  # noqa: E402
import zqdesk  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHAIN = [("330000", None), ("330100", "330000"), ("330106", "330100")]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--workdir", default=os.path.join(ROOT, ".demo"))
    ap.add_argument("--exit", action="store_true", help="stop the cluster after the report")
    args = ap.parse_args()
    if os.path.exists(args.workdir):
        import shutil
        shutil.rmtree(args.workdir)
    feeds = zq.StaticServer(os.path.join(ROOT, "tests", "fixtures", "upstream"))
    sources = [{"name": "gov-rss", "url": feeds.url + "/ministry_rss2.xml",
                "authority": "国务院办公厅", "interval_s": 300},
               {"name": "ndrc-atom", "url": feeds.url + "/ndrc_atom.xml",
                "authority": "国家发展和改革委员会", "interval_s": 300, "trusted": True}]
    cluster = zq.Cluster(args.build_dir, args.workdir,
                         os.path.join(ROOT, "config", "admin_divisions_cn.csv"), site=True,
                         hub_config={"sources": sources})
    try:
        print("starting hub ...", flush=True)
        cluster.start_hub()
        for code, parent in CHAIN:
            node = cluster.add_agent(code, parent)
            print(f"started agent {code} {node.name} at {node.url} (pid {node.process.pid})",
                  flush=True)
        county = cluster.nodes["330106"]
        docs = zq.load_documents(os.path.join(ROOT, "tests", "fixtures",
                                              "govcn_state_council_2019.jsonl"))
        cluster.hub_cli("topic", "add", "教育", "--title", "教育改革专题",
                        "--description", "国务院关于教育改革发展的政策文件")
        cluster.hub_cli("topic", "add", "营商环境", "--title", "优化营商环境专题",
                        "--description", "国务院关于优化营商环境的政策文件")
        print(f"publishing {len(docs)} State Council documents one by one ...", flush=True)
        client_lags = []
        for doc in docs:
            t0 = time.monotonic()
            seq = cluster.publish(zq.release_from_document(doc))["seq"]
            zq.wait_until(lambda: county.status()["origins"]["000000"]["indexed"] >= seq, 30,
                          f"entry {seq} indexed at the county", interval=0.002)
            client_lags.append((time.monotonic() - t0) * 1000)
        print("staff desk: creating users, taking one policy through 三审 and the approver ...",
              flush=True)
        staff = zqdesk.create_staff(cluster, args.workdir)
        creds = os.path.join(args.workdir, "staff-passwords.txt")
        fd = os.open(creds, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, "".join(f"{u} {pw} ({zqdesk.STAFF[u]})\n"
                             for u, (pw, _) in staff.items()).encode())
        os.close(fd)
        extra = docs[0]
        desk_release = zq.release_from_document(extra)
        reviewed = zqdesk.take_through_workflow(cluster, staff, {
            "title": extra["title"] + "（经三审发布）", "authority": extra["authority"],
            "doc_number": extra.get("doc_number") or "", "body_text": extra["body"],
            "topics": desk_release["topics"], "categories": ["国务院文件"]})
        pending = zqdesk.call(cluster, "POST", "/api/v1/drafts", staff["editor"][1], {
            "title": docs[1]["title"] + "（待审稿）", "authority": docs[1]["authority"],
            "body_text": docs[1]["body"]})
        zqdesk.call(cluster, "POST", f"/api/v1/drafts/{pending['id']}/submit", staff["editor"][1])
        cluster.hub_cli("source", "poll", "--all")
        head = cluster.hub_head()

        def county_acked():
            nodes = {n["code"]: n for n in cluster.hub_status()["nodes"]}
            return nodes["330106"]["origins"]["000000"]["live"] == head
        zq.wait_until(county_acked, 30, "county acknowledgements at the hub")
        nodes = {n["code"]: n for n in cluster.hub_status()["nodes"]}
        lag = nodes["330106"]["origins"]["000000"]["lag_ms"]["indexed"]
        live = nodes["330106"]["origins"]["000000"]["lag_ms"]["live"]
        hit = county.search("职业教育")["hits"][0]["title"]
        print()
        print("zhanqun demo is live")
        print(f"  hub                {cluster.hub_url}/api/v1/status   (node states: "
              + ", ".join(f"{c} {n['state']}" for c, n in nodes.items()) + ")")
        print(f"  hub metrics        {cluster.hub_url}/metrics")
        print(f"  one release        {cluster.hub_url}/api/v1/status/releases/"
              f"{urllib.parse.quote(zq.release_from_document(docs[-1])['id'], safe='')}")
        print(f"  hub feed (Atom)    {cluster.hub_url}/api/v1/feeds/000000?after=0")
        for code, _ in CHAIN:
            n = cluster.nodes[code]
            print(f"  {code} {n.name:<6}  {n.url}/api/v1/status")
        print(f"  county search      {county.url}/search?q=职业教育   -> {hit}")
        target = next(d for d in docs if "职业教育" in d["title"])
        rid = zq.release_from_document(target)["id"]
        print(f"  county site        {county.url}/")
        print(f"  a release with its province, city and county interpretations:")
        print(f"                     {zq.release_url(county.url, rid)}")
        print(f"  CLI search         {cluster.agent_bin} search 营商环境 --config {county.config}")
        print(f"  staff desk         {cluster.hub_url}/desk/login   (users and passwords: {creds})")
        print(f"  reviewed release   {cluster.hub_url}/desk/releases/{reviewed['release_id']}"
              f"   (editor -> 初审 -> 复审 -> 终审 -> approver)")
        print(f"  review queue       draft {pending['id']} waits at 初审; ingested drafts from "
              f"{len(sources)} upstream feeds wait too ({cluster.hub_url}/desk/queue)")
        print(f"  admin console      {cluster.hub_url}/console   "
              f"propagation: {cluster.hub_url}/console/releases/{reviewed['release_id']}")
        print(f"  audit log          {cluster.hub_cli('audit', 'verify').strip()}"
              f"   ({cluster.hub_url}/desk/audit)")
        print()
        print(f"publish-to-county-indexed lag, {len(client_lags)} releases through 3 relays:")
        print(f"  measured by the publisher (publish call to county index):  "
              f"median {statistics.median(client_lags):.1f} ms, max {max(client_lags):.1f} ms")
        print(f"  measured by the hub (append to the county's 'indexed' time): "
              f"median {lag['p50']} ms, p95 {lag['p95']} ms, max {lag['max']} ms")
        print(f"  ... to the county's 'live' time (its site page written):     "
              f"median {live['p50']} ms, p95 {live['p95']} ms, max {live['max']} ms")
        if args.exit:
            return 0
        print("\nPress Ctrl-C to stop the cluster.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()
        feeds.stop()
        print("cluster stopped")


if __name__ == "__main__":
    sys.exit(main())
