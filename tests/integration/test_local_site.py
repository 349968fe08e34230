#!/usr/bin/env python3
"""Integration test of local interpretation and the local site: a real hub and
three real agents (浙江省 330000 -> 杭州市 330100 -> 西湖区 330106) with their
sites on. Each level writes its interpretation into its own signed log; the
county page shows the national text and the province, city and county
layers, each verified; manual notes, amendments and withdrawals propagate.

usage: test_local_site.py --build-dir BUILD --fixtures tests/fixtures [--keep]
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import zqcluster as zq  # noqa: E402
from zqtest import Suite, expect  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHAIN = [("330000", None), ("330100", "330000"), ("330106", "330100")]
LAYERS = ["浙江省 政策解读（省级）", "杭州市 政策解读（市级）", "西湖区 政策解读（县级）"]
# Later steps build on earlier ones (the same releases), so the first failure ends the run.
SUITE = Suite(CHAIN, stop_at_first_failure=True, site=True)
test = SUITE.test


def page(node, release_id):
    status, _, body = zq.http("GET", zq.release_url(node.url, release_id),
                              headers={"Accept": "text/html"})
    return status, body.decode("utf-8", "replace")


def wait_page(node, release_id, predicate, what, timeout=60):
    zq.wait_until(lambda: predicate(*page(node, release_id)), timeout, what, interval=0.1)


@test
def county_page_shows_the_national_text_and_three_verified_layers(ctx):
    docs = zq.load_documents(os.path.join(ctx.fixtures, "govcn_state_council_2019.jsonl"), 12)
    ctx.releases = [zq.release_from_document(d) for d in docs]
    t0 = time.monotonic()
    for r in ctx.releases:
        ctx.cluster.publish(r)
    county = ctx.cluster.nodes["330106"]
    target = ctx.releases[0]

    def complete(status, body):
        return status == 200 and all(layer in body for layer in LAYERS)
    wait_page(county, target["id"], complete, "the county page with all three layers", 240)
    print(f"  first release live at the county with three layers after "
          f"{time.monotonic() - t0:.2f}s (12 releases published)")
    status, body = page(county, target["id"])
    expect(target["title"] in body, "national title missing")
    expect(body.count("已验证签名") == 3, f"want 3 verified badges, got {body.count('已验证签名')}")
    positions = [body.index(layer) for layer in LAYERS]
    expect(positions == sorted(positions), "layers not in province, city, county order")
    expect("12345" in body, "the county's hotline is not in its interpretation")
    home = zq.http("GET", county.url + "/", headers={"Accept": "text/html"})[2].decode()
    expect(target["title"] in home, "the home page does not list the release")


@test
def a_manual_note_replaces_the_county_layer_and_reaches_nobody_above(ctx):
    county, city = ctx.cluster.nodes["330106"], ctx.cluster.nodes["330100"]
    rid = ctx.releases[1]["id"]
    note = os.path.join(ctx.workdir, "note.html")
    with open(note, "w", encoding="utf-8") as f:
        f.write("<p>西湖区专项说明：请到西湖区行政服务中心三楼办理。</p><script>alert(1)</script>")
    r = subprocess.run([ctx.cluster.agent_bin, "interpret", rid, note, "--mode", "replace",
                        "--config", county.config], capture_output=True, text=True, timeout=30)
    expect(r.returncode == 0, f"interpret failed: {r.stderr}")
    wait_page(county, rid, lambda s, b: "西湖区行政服务中心三楼" in b, "the manual note on the page")
    body = page(county, rid)[1]
    expect("<script>alert" not in body, "script from a manual note reached the page")
    expect("西湖区行政服务中心三楼" not in page(city, rid)[1], "a county note showed at the city")
    # Without the token the endpoint refuses.
    status, _, answer = zq.http("POST", county.url + "/api/v1/interpretations",
                                {"release_id": rid, "html": "<p>x</p>"})
    expect(status == 401, f"unauthenticated interpretation answered {status}: {answer[:200]!r}")


@test
def an_amendment_marks_the_manual_layer_as_written_for_the_earlier_version(ctx):
    county = ctx.cluster.nodes["330106"]
    amended = dict(ctx.releases[1])
    amended["body_text"] = amended["body_text"] + "\n（修订）新增第十条。"
    ctx.cluster.publish(amended)
    # Each level renews its template layer for version 2 as the amendment reaches it;
    # the county's hand-written layer stays marked until its operator renews it.
    # Within 10 s: the renewed layers land after the amended release, and each
    # arrival must refresh the site (not the site's 30 s safety net).
    t0 = time.monotonic()
    wait_page(county, amended["id"],
              lambda s, b: "新增第十条" in b and b.count("本解读针对第1版撰写") == 1,
              "the amended text with renewed template layers at the county", 10)
    print(f"  amended text with renewed layers at the county after {time.monotonic() - t0:.2f}s")
    body = page(county, amended["id"])[1]
    expect("本解读针对第1版撰写，政策已修订为第2版" in body,
           "the county's manual layer is not marked as written for version 1")


@test
def a_withdrawn_release_disappears_from_the_county_site_and_index(ctx):
    county = ctx.cluster.nodes["330106"]
    target = dict(ctx.releases[4])
    ctx.withdrawn = target["id"]
    query = target["title"][-8:]
    expect(any(h["id"] == target["id"] for h in county.search(query)["hits"]),
           "release not searchable before withdrawal")
    target["status"] = "withdrawn"
    t0 = time.monotonic()
    ctx.cluster.publish(target)
    wait_page(county, target["id"], lambda s, b: s == 410, "410 at the county", 60)
    elapsed = time.monotonic() - t0
    zq.wait_until(lambda: not any(h["id"] == target["id"] for h in county.search(query)["hits"]),
                  60, "the withdrawn release to leave the county index")
    zq.wait_until(lambda: target["title"] not in zq.http(
        "GET", county.url + "/", headers={"Accept": "text/html"})[2].decode(), 60,
        "the withdrawn release to leave the county home page")
    print(f"  withdrawn release answered 410 at the county {elapsed:.2f}s after withdrawal")


@test
def a_repealed_release_stays_readable_under_a_banner(ctx):
    county = ctx.cluster.nodes["330106"]
    target = dict(ctx.releases[5])
    target["status"] = "repealed"
    ctx.cluster.publish(target)
    wait_page(county, target["id"], lambda s, b: s == 200 and "已废止" in b,
              "the 已废止 banner at the county")
    body = page(county, target["id"])[1]
    expect(target["title"] in body and all(layer in body for layer in LAYERS),
           "a repealed release lost its text or layers")


@test
def county_search_page_finds_chinese_text_with_highlights(ctx):
    county = ctx.cluster.nodes["330106"]
    q = zq.urllib.parse.quote("职业教育")
    status, _, body = zq.http("GET", f"{county.url}/search?q={q}",
                              headers={"Accept": "text/html"})
    text = body.decode()
    expect(status == 200 and "<mark>" in text, f"search page: {status} {text[:300]}")


@test
def national_and_local_topics_show_on_the_county_site(ctx):
    county = ctx.cluster.nodes["330106"]
    ctx.cluster.hub_cli("topic", "add", "教育", "--title", "教育改革专题",
                        "--description", "国务院关于教育改革的政策文件")
    r = subprocess.run([ctx.cluster.agent_bin, "topic", "add", "西湖民生", "--title",
                        "西湖区民生实事专题", "--description", "西湖区本地专题", "--config",
                        county.config], capture_output=True, text=True, timeout=30)
    expect(r.returncode == 0, f"agent topic add failed: {r.stderr}")

    def topics_listed():
        status, _, body = zq.http("GET", county.url + "/topics/index.html",
                                  headers={"Accept": "text/html"})
        text = body.decode()
        return status == 200 and "教育改革专题" in text and "西湖区民生实事专题" in text
    zq.wait_until(topics_listed, 60, "national and local topics on the county's topic index")
    status, _, body = zq.http("GET", zq.topic_url(county.url, "教育"),
                              headers={"Accept": "text/html"})
    text = body.decode()
    expect(status == 200 and "国家职业教育改革实施方案" in text,
           f"the 教育 topic page does not list the release: {status}")
    city = ctx.cluster.nodes["330100"]
    city_topics = zq.http("GET", city.url + "/topics/index.html")[2].decode()
    expect("西湖区民生实事专题" not in city_topics, "a county topic reached the city")


def interpret(ctx, node, release_id, html, mode="extend"):
    note = os.path.join(ctx.workdir, f"note-{node.code}-{time.monotonic_ns()}.html")
    with open(note, "w", encoding="utf-8") as f:
        f.write(html)
    r = subprocess.run([ctx.cluster.agent_bin, "interpret", release_id, note, "--mode", mode,
                        "--config", node.config], capture_output=True, text=True, timeout=30)
    expect(r.returncode == 0, f"interpret at {node.code} failed: {r.stderr}")


def log_has(node, text):
    with open(node.process.log_path, encoding="utf-8", errors="replace") as f:
        return text in f.read()


@test
def a_revoked_province_key_takes_back_its_layers_after_the_revocation_point(ctx):
    """Mid-stream, the hub revokes 浙江省's key after seq n. What the key
    signed after n (a layer the thief wrote) vanishes from the county page, the
    province's earlier layer shows again; the city stops using the province
    as upstream and the subtree keeps receiving national releases; re-keyed,
    the province signs again and the city moves back."""
    cluster = ctx.cluster
    province, city, county = (cluster.nodes[c] for c in ("330000", "330100", "330106"))
    rid = ctx.releases[2]["id"]
    n = province.status()["own_log"]["head"]
    # The key is stolen: after seq n it signs a layer the county shows.
    interpret(ctx, province, rid, "<p>被盗密钥写入的省级说明：暂停执行。</p>")
    wait_page(county, rid, lambda s, b: "被盗密钥写入" in b, "the thief's layer at the county")
    before = county.status()["origins"]["000000"]["head"]
    t0 = time.monotonic()
    out = cluster.hub_cli("node", "revoke", "330000", "--after-seq", str(n))
    expect(f":1-{n + 1} " in out, f"revoke did not end the grant at {n + 1}: {out}")
    wait_page(county, rid, lambda s, b: "被盗密钥写入" not in b and LAYERS[0] in b,
              "the thief's layer gone and the province's own layer back at the county", 30)
    print(f"  revoked layer gone from the county page after {time.monotonic() - t0:.2f}s")
    expect(county.head("330000") == n, f"county holds 330000 past {n}: {county.head('330000')}")
    zq.wait_until(lambda: city.status()["upstream"] != province.url, 30,
                  "the city to stop using the revoked province as upstream")
    expect(log_has(city, "upstream_barred"), "no upstream_barred line in the city's log")
    expect(log_has(county, "log_truncated"), "no log_truncated line in the county's log")
    metrics = zq.http("GET", county.url + "/metrics")[2].decode()
    truncated = [line for line in metrics.splitlines()
                 if line.startswith("zhanqun_agent_entries_truncated_total")]
    expect(truncated and truncated[0].split()[-1] == "1",
           f"county /metrics does not count the one truncated entry: {truncated}")
    # National releases keep coming through the city, which follows the hub now.
    doc = dict(ctx.releases[3], id="after-revocation", title="国务院关于吊销密钥后继续发布的通知")
    published = cluster.publish(doc)
    expect(published["seq"] > before, "publish did not extend the hub's log")
    wait_page(county, doc["id"], lambda s, b: s == 200 and LAYERS[2] in b and LAYERS[1] in b,
              "the county page of a release published after the revocation", 60)
    expect(LAYERS[0] not in page(county, doc["id"])[1],
           "a layer of the revoked province showed on a new release")
    # Re-keyed from n + 1, the province signs its layer of the new release.
    province.stop()
    new_pub = cluster.new_agent_key(province)
    out = cluster.hub_cli("node", "rekey", "330000", "--key", new_pub, "--from-seq", str(n + 1))
    expect(f":{n + 1}- " in out, f"rekey did not grant from {n + 1}: {out}")
    province.start()
    wait_page(county, doc["id"], lambda s, b: LAYERS[0] in b,
              "the re-keyed province's layer on the new release at the county", 60)
    zq.wait_until(lambda: city.status()["upstream"] == province.url, 40,
                  "the city to move back to the re-keyed province")


@test
def a_county_that_lost_its_disk_and_key_rejoins_and_rebuilds_its_site(ctx):
    """西湖区's data directory (store, index, site) and key are gone. The hub
    states a new epoch with a new key; the county starts empty, rebuilds
    everything from its city, signs its layers again in the new epoch, and the
    hub takes its reports. Nothing else in the tree is touched."""
    cluster = ctx.cluster
    county = cluster.nodes["330106"]
    rid = ctx.releases[0]["id"]
    county.stop()
    with open(county.config) as f:
        old_key = json.load(f)["key_file"]
    try:
        cluster.hub_cli("node", "rejoin", "330106", "--key", old_key + ".pub")
        raise AssertionError("rejoin with the lost key succeeded")
    except RuntimeError as e:
        expect("already one of its keys" in str(e), f"unclear error for the old key: {e}")
    shutil.rmtree(os.path.join(county.workdir, "data"))
    for path in (old_key, old_key + ".pub"):
        os.remove(path)
    new_pub = cluster.new_agent_key(county)
    out = cluster.hub_cli("node", "rejoin", "330106", "--key", new_pub)
    expect("epoch=2" in out and ":1- " in out, f"rejoin did not state epoch 2 from seq 1: {out}")
    t0 = time.monotonic()
    county.start()

    def complete(status, body):
        return status == 200 and all(layer in body for layer in LAYERS)
    wait_page(county, rid, complete, "the rebuilt county page with all three layers", 120)
    print(f"  rejoined county's page rebuilt with three layers after {time.monotonic() - t0:.2f}s")
    expect(county.status()["own_log"]["head"] >= 1, "the rejoined county signed nothing")
    head = cluster.hub_head()

    def reported():
        nodes = {n["code"]: n for n in cluster.hub_status()["nodes"]}
        o = nodes["330106"]["origins"]["000000"]
        return o["missing"] == 0 and o["verified"] == head
    zq.wait_until(reported, 60, "the hub to take the rejoined county's reports")


@test
def site_pages_pass_axe_and_keyboard_checks_in_chromium(ctx):
    script = os.path.join(ROOT, "tests", "browser", "site_a11y.mjs")
    if not os.path.isdir(os.path.join(ROOT, "tests", "browser", "node_modules")):
        raise AssertionError("tests/browser/node_modules missing: run scripts/install-deps")
    county = ctx.cluster.nodes["330106"]
    out = os.path.join(ctx.artifacts, "county")
    gone = zq.release_url("", ctx.withdrawn)
    r = subprocess.run(["node", script, "--url", county.url, "--gone", gone, "--out", out],
                       capture_output=True, text=True, timeout=300)
    print("\n".join("  " + line for line in r.stdout.strip().splitlines()[-5:]))
    expect(r.returncode == 0, f"browser checks failed:\n{r.stdout[-3000:]}\n{r.stderr[-2000:]}")


if __name__ == "__main__":
    sys.exit(SUITE.main(__doc__))
