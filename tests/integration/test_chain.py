#!/usr/bin/env python3
"""Integration test: a real hub and three real agents on loopback,
浙江省 330000 -> 杭州市 330100 -> 西湖区 330106, carrying real State Council
documents end to end, plus the attacks that must not get through.

usage: test_chain.py --build-dir BUILD --fixtures tests/fixtures [--keep]
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import zqcluster as zq  # noqa: E402
from zqtest import Suite, expect  # noqa: E402

CHAIN = [("330000", None), ("330100", "330000"), ("330106", "330100")]
PAGE = 20  # small pages so the 60-document run spans several, some full and immutable
SUITE = Suite(CHAIN, page_size=PAGE)
test = SUITE.test


@test
def county_holds_every_published_document_verified_and_searchable(ctx):
    docs = zq.load_documents(os.path.join(ctx.fixtures, "govcn_state_council_2019.jsonl"))
    expect(len(docs) >= 50, f"need at least 50 fixture documents, have {len(docs)}")
    ctx.published = []
    for doc in docs:
        ctx.published.append(ctx.cluster.publish(zq.release_from_document(doc)))
    head = ctx.cluster.hub_head()
    county = ctx.cluster.nodes["330106"]
    zq.wait_until(lambda: county.head() == head, 60, f"county to reach hub head {head}")
    status = county.status()
    expect(status["quarantine_count"] == 0, f"county quarantined entries: {status}")
    zq.wait_until(lambda: county.status()["origins"]["000000"]["indexed"] == head, 30,
                  "county index to catch up")
    target = next(d for d in docs if "职业教育" in d["title"])
    hits = county.search("职业教育")["hits"]
    expect(hits and hits[0]["title"] == target["title"],
           f"search 职业教育 should find {target['title']}, got {[h['title'] for h in hits]}")
    expect("<mark>" in hits[0]["snippet_html"] + hits[0]["title_html"], "no highlight in hit")
    by_number = county.search("国发〔2019〕5号")["hits"]
    expect(any(h["doc_number"] == "国发〔2019〕5号" for h in by_number),
           "search by 文号 国发〔2019〕5号 found nothing")
    # The CLI searches the same on-disk index, as of its last commit (shared
    # by what is indexed within 10 s; at most 15 s after the indexer goes idle).
    zq.wait_until(lambda: county.status()["origins"]["000000"]["index_committed"] == head, 60,
                  "county index commit")
    out = subprocess.run([ctx.cluster.agent_bin, "search", "职业教育", "--config", county.config],
                         capture_output=True, text=True, check=True).stdout
    expect(json.loads(out)["hits"][0]["title"] == target["title"], "CLI search disagrees")


@test
def nodes_pin_only_the_root_and_the_hub_log_begins_with_its_certificate(ctx):
    # The root certifies the hub's online key in seq 1; every node reached the
    # hub's head above while configured with the root alone (trust_root).
    status, _, body = zq.http("GET", f"{ctx.cluster.hub_url}/api/v1/feeds/000000?after=0")
    expect(status == 200, f"hub feed answered {status}")
    first = body[body.index(b"<entry"):body.index(b"</entry>")].decode()
    expect(">trust</zq:kind>" in first and 'seq="1"' in first,
           "the hub's log does not begin with a trust entry")
    expect("zhanqun-trust/1" in first and "\nsig " in first, "seq 1 carries no root signature")
    expect(os.stat(ctx.cluster.root_key).st_mode & 0o077 == 0, "root key is not 0600")
    for code, _ in CHAIN:
        node = ctx.cluster.nodes[code]
        with open(node.config) as f:
            config = json.load(f)
        expect("trust_root" in config and "hub_public_key" not in config,
               f"{code} is not configured with trust_root only: {config}")
        head = ctx.cluster.hub_head()
        zq.wait_until(lambda: node.head() >= head, 30, f"{code} to reach hub head {head}")
        expect(node.status()["quarantine_count"] == 0, f"{code} quarantined entries")


@test
def relays_serve_entries_byte_for_byte(ctx):
    head = ctx.cluster.hub_head()
    urls = [ctx.cluster.hub_url] + [ctx.cluster.nodes[c].url for c, _ in CHAIN]
    bodies = []
    for u in urls:
        status, _, body = zq.http("GET", f"{u}/api/v1/feeds/000000?after={head - 5}")
        expect(status == 200, f"{u} feed answered {status}")
        start = body.index(b"<entry")
        bodies.append(body[start:body.rindex(b"</entry>")])
    expect(all(b == bodies[0] for b in bodies), "relays changed entry bytes")


@test
def hub_status_shows_the_county_with_nothing_missing(ctx):
    head = ctx.cluster.hub_head()

    def county_done():
        nodes = {n["code"]: n for n in ctx.cluster.hub_status()["nodes"]}
        o = nodes["330106"]["origins"]["000000"]
        return o["missing"] == 0 and o["indexed"] == head and o["verified"] == head

    zq.wait_until(county_done, 30, "hub status to show the county complete")
    nodes = {n["code"]: n for n in ctx.cluster.hub_status()["nodes"]}
    for code, _ in CHAIN:
        o = nodes[code]["origins"]["000000"]
        expect(o["missing"] == 0 and o["oldest_missing_lag_ms"] == 0, f"{code}: {o}")
    lag = nodes["330106"]["origins"]["000000"]["lag_ms"]["indexed"]
    print(f"  publish-to-county-indexed lag over {lag['count']} entries: "
          f"p50={lag['p50']} ms p95={lag['p95']} ms max={lag['max']} ms")


@test
def feeds_validate_against_the_atom_schema_and_parse_in_feedparser(ctx):
    status, headers, body = zq.http("GET", f"{ctx.cluster.hub_url}/api/v1/feeds/000000?after=0")
    expect(status == 200, f"feed answered {status}")
    path = os.path.join(ctx.workdir, "feed.xml")
    with open(path, "wb") as f:
        f.write(body)
    rng = os.path.join(ctx.fixtures, "atom.rng")
    r = subprocess.run(["xmllint", "--noout", "--relaxng", rng, path], capture_output=True,
                       text=True)
    expect(r.returncode == 0, f"feed does not validate: {r.stderr[-500:]}")
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import feedparser,sys; d=feedparser.parse(sys.argv[1]);"
                        "assert not d.bozo, d.bozo_exception; print(len(d.entries))", path],
                       capture_output=True, text=True)
    expect(r.returncode == 0, f"feedparser failed: {r.stderr[-500:]}")
    expect(int(r.stdout) == PAGE, f"feedparser saw {r.stdout.strip()} entries, want {PAGE}")
    expect("immutable" in headers.get("Cache-Control", ""), f"full page not immutable: {headers}")


@test
def long_poll_answers_as_soon_as_an_entry_is_appended(ctx):
    county = ctx.cluster.nodes["330106"]
    head = ctx.cluster.hub_head()
    import threading
    result = {}

    def poll():
        # A held poll also returns (empty) when a newer head statement is
        # issued; a follower simply asks again.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, _, body = zq.http("GET",
                                      f"{county.url}/api/v1/feeds/000000?after={head}&wait=20")
            if b"longpoll-probe" in body:
                result["at"] = time.monotonic()
                result["body"] = body
                return

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    published = time.monotonic()
    ctx.cluster.publish({"id": "longpoll-probe", "title": "长轮询测试", "authority": "国务院办公厅",
                         "body_text": "测试"})
    t.join(35)
    expect(b"longpoll-probe" in result.get("body", b""), "long-poll did not deliver the entry")
    elapsed = result["at"] - published
    expect(elapsed < 2, f"long-poll delivered the entry {elapsed:.2f}s after publishing")


@test
def publish_api_rejects_bad_input_naming_the_problem(ctx):
    url = ctx.cluster.hub_url + "/api/v1/releases"
    auth = {"Authorization": "Bearer " + ctx.cluster.token}
    before = ctx.cluster.hub_head()
    cases = [
        (b"{not json", auth, 400, "not valid JSON"),
        (json.dumps({"id": "x1", "authority": "国务院"}).encode(), auth, 400, "release.title"),
        (json.dumps({"id": "x2", "title": "t", "authority": "国务院", "colour": 1}).encode(), auth,
         400, "release.colour"),
        (json.dumps({"id": "bad id!", "title": "t", "authority": "a"}).encode(), auth, 400,
         "release.id"),
        (json.dumps({"id": "x3", "title": "t", "authority": "a",
                     "body_text": "长" * 800000}).encode(), auth, 400, "body"),
        (json.dumps({"id": "x4", "title": "t", "authority": "a"}).encode(), {}, 401, "bearer"),
        (json.dumps({"id": "x5", "title": "t", "authority": "a"}).encode(),
         {"Authorization": "Bearer wrong"}, 401, "bearer"),
    ]
    for body, headers, want_status, want_text in cases:
        status, _, answer = zq.http("POST", url, body, headers)
        expect(status == want_status, f"{body[:60]!r}: status {status}, want {want_status}")
        expect(want_text.lower() in answer.decode().lower(),
               f"{body[:60]!r}: error {answer[:200]!r} does not mention {want_text}")
    # An oversize request is refused from its Content-Length, before the body is read.
    import socket
    with socket.create_connection(("127.0.0.1", ctx.cluster.hub_port), timeout=10) as s:
        s.sendall(b"POST /api/v1/releases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  ctx.cluster.token.encode() + b"\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 9437184\r\n\r\n{")
        answer = s.recv(4096)
    expect(answer.startswith(b"HTTP/1.1 413"), f"oversize request answered {answer[:80]!r}")
    expect(b"exceeds the limit" in answer, f"413 does not say why: {answer!r}")
    expect(ctx.cluster.hub_head() == before, "rejected input changed the log")


@test
def a_province_key_cannot_sign_a_national_release(ctx):
    """The attacker holds 浙江省's key and server: a release with a live
    national id and another title, in the province's own log. The city (the
    first honest node below) refuses it by the authority rules, the hub
    shows why, and the county keeps the national text."""
    cluster = ctx.cluster
    province, city, county = (cluster.nodes[c] for c in ("330000", "330100", "330106"))
    title = "国务院关于权限规则测试的通知"
    published = cluster.publish({"id": "authority-target", "title": title,
                                 "authority": "国务院", "body_text": "权限规则"})
    zq.wait_until(lambda: county.head() >= published["seq"], 20, "county to hold the release")
    quarantined = city.status()["quarantine_count"]
    province.stop()
    forge = os.path.join(cluster.build_dir, "bin", "zq-forge-entry")
    out = subprocess.run([forge, "--db", province.db_path,
                          "--key", os.path.join(province.workdir, "agent.key"),
                          "--origin", "330000", "--release-id", "authority-target",
                          "--title", "关于暂停执行权限规则的紧急通知"],
                         check=True, capture_output=True, text=True).stdout
    forged_seq = int(out.split("seq=")[1])
    province.start()
    zq.wait_until(lambda: city.status()["quarantine_count"] > quarantined, 20,
                  "city to quarantine the forged release")
    reason = city.status()["quarantine_recent"][0]["reason"]
    expect("authority rule release-from-hub" in reason and
           f"origin=330000 seq={forged_seq}" in reason, f"unclear reason: {reason}")

    def hub_knows_why():
        nodes = {n["code"]: n for n in cluster.hub_status()["nodes"]}
        r = nodes["330100"].get("last_rejection")
        return r and "release-from-hub" in r["reason"]
    zq.wait_until(hub_knows_why, 20, "the hub's status to show the refusal at the city")
    held = county.status()["origins"].get("330000", {}).get("head", 0)
    expect(held < forged_seq, f"county holds the forged entry (330000 head {held})")
    expect(not county.search("暂停执行权限规则")["hits"], "county shows the forged title")
    expect(county.search("权限规则测试")["hits"], "county lost the national release")
    # The attacker leaves: the forged entry goes, so the province's log is
    # whole again for the tests that follow.
    province.stop()
    zq.drop_own_entry(province.db_path, "330000", forged_seq)
    province.start()


@test
def a_revoked_province_key_signs_nothing_more_and_a_new_key_takes_over(ctx):
    """The hub revokes 浙江省's key after the last seq the province wrote. Its
    children pass it over as upstream; a thief's entry signed with the key
    after that point reaches nobody, while national releases keep flowing.
    Then the hub re-keys the province: the province drops the thief's entry
    from its own log, the new key's entry reaches the county, and the city
    moves back. (Refusal of such an entry where it is offered, naming the
    grant, is agent_test "[keys]".)"""
    cluster = ctx.cluster
    province, city, county = (cluster.nodes[c] for c in ("330000", "330100", "330106"))
    old_key = getattr(province, "key_file", os.path.join(province.workdir, "agent.key"))
    # The province's own writing, signed while its key is good.
    province.stop()
    n = cluster.forge_entry(province, old_key, "--topic-id", "浙江省专题", "--title", "浙江省专题")
    province.start()
    zq.wait_until(lambda: county.status()["origins"].get("330000", {}).get("head") == n, 20,
                  f"county to hold 330000 up to {n}")
    for bad, why in ((["node", "revoke", "999999", "--after-seq", "1"], "not registered"),
                     (["node", "revoke", "330000", "--after-seq", "x1"], "--after-seq"),
                     (["node", "rekey", "330000", "--key", "/nonexistent.pub",
                       "--from-seq", "1"], "--key")):
        try:
            cluster.hub_cli(*bad)
            raise AssertionError(f"zhanqun-hub {' '.join(bad)} succeeded")
        except RuntimeError as e:
            expect(why in str(e), f"unclear error for {bad}: {e}")
    out = cluster.hub_cli("node", "revoke", "330000", "--after-seq", str(n))
    expect(f":1-{n + 1} " in out, f"revoke did not end the grant at {n + 1}: {out}")
    registry_seq = cluster.hub_head()
    zq.wait_until(lambda: min(x.head() for x in (province, city, county)) >= registry_seq, 20,
                  "the revocation to reach every node")
    # A parent without a live key is no upstream: the city follows the hub now.
    zq.wait_until(lambda: city.status()["upstream"] != province.url, 20,
                  "the city to pass over the revoked province")
    province.stop()
    stolen = cluster.forge_entry(province, old_key, "--topic-id", "被盗密钥专题",
                                 "--title", "被盗密钥签发的专题")
    expect(stolen == n + 1, f"the thief's entry at seq {stolen}, expected {n + 1}")
    province.start()
    published = cluster.publish({"id": "after-revocation", "title": "国务院关于吊销密钥后的通知",
                                 "authority": "国务院", "body_text": "密钥吊销"})
    zq.wait_until(lambda: county.head() >= published["seq"], 30,
                  "county to keep receiving national releases")
    expect(city.head("330000") == n and county.head("330000") == n,
           f"330000 held past {n}: city {city.head('330000')}, county {county.head('330000')}")
    # Re-key from n + 1. The province drops the thief's entry from its own log
    # when the registry entry reaches it (the old key does not cover n + 1);
    # the new key signs n + 1, and the city moves back to the province.
    province.stop()
    new_pub = cluster.new_agent_key(province)
    out = cluster.hub_cli("node", "rekey", "330000", "--key", new_pub, "--from-seq", str(n + 1))
    expect(f":{n + 1}- " in out, f"rekey did not grant from {n + 1}: {out}")
    registry_seq = cluster.hub_head()
    zq.wait_until(lambda: min(x.head() for x in (city, county)) >= registry_seq, 20,
                  "the re-key to reach the city and county")
    province.start()
    zq.wait_until(lambda: province.head() >= registry_seq, 20, "the re-key to reach the province")
    province.stop()
    with open(province.process.log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    expect(any("event=log_truncated" in line and "origin=330000" in line and
               f"from_seq={n + 1} " in line and "removed=1 " in line
               for line in log.splitlines()),
           "the province did not drop the thief's entry from its own log")
    signed = cluster.forge_entry(province, province.key_file, "--topic-id", "新密钥专题",
                                 "--title", "新密钥签发的专题")
    expect(signed == n + 1, f"new key's entry at seq {signed}, expected {n + 1}")
    province.start()
    zq.wait_until(lambda: county.head("330000") == n + 1, 30,
                  "county to take the entry the new key signed")
    zq.wait_until(lambda: city.status()["upstream"] == province.url, 30,
                  "the city to move back to the re-keyed province")


@test
def county_rejects_a_byte_flipped_entry_at_the_city_and_routes_around_it(ctx):
    cluster = ctx.cluster
    city, county = cluster.nodes["330100"], cluster.nodes["330106"]
    county.stop()
    published = cluster.publish({"id": "flip-target", "title": "国务院关于字节篡改测试的通知",
                                 "authority": "国务院", "body_text": "篡改检测"})
    seq = published["seq"]
    zq.wait_until(lambda: city.head() == seq, 20, "city to receive the new entry")
    city.stop()
    zq.flip_title_byte(city.db_path, "000000", seq)
    city.start()
    county.start()
    zq.wait_until(lambda: county.status()["quarantine_count"] >= 1, 20, "county to quarantine")
    status = county.status()
    reason = status["quarantine_recent"][0]["reason"]
    expect(status["quarantine_recent"][0]["seq"] == seq, f"quarantined the wrong seq: {status}")
    expect("signature" in reason and "unauthenticated" in reason, f"unclear reason: {reason}")
    expect(county.search("职业教育")["hits"], "county lost earlier entries")

    def hub_knows_why():
        nodes = {n["code"]: n for n in cluster.hub_status()["nodes"]}
        r = nodes["330106"].get("last_rejection")
        return r and r["seq"] == seq and "signature does not verify" in r["reason"]
    zq.wait_until(hub_knows_why, 10, "the hub's status to show why the county was stuck")
    # A city that keeps serving the broken entry cannot hold the county
    # hostage: after 3 bad pages it moves on, and the genuine entry and what
    # follows verify from the province.
    after = cluster.publish({"id": "after-flip", "title": "后续通知", "authority": "国务院",
                             "body_text": "后续"})["seq"]
    zq.wait_until(lambda: county.head() == after, 30, "county to route around the city")
    status = county.status()
    expect(status["upstream"] != city.url, f"county still follows the city: {status['upstream']}")
    expect(status["counters"]["upstream_failures_verification"] >= 3,
           f"verification failures not counted: {status['counters']}")
    expect(status["quarantine_count"] >= 1, "the quarantined entry is kept for inspection")


def all_nodes_reach(cluster, seq, what):
    for code, _ in CHAIN:
        node = cluster.nodes[code]
        zq.wait_until(lambda: node.head() >= seq, 30, f"{code} to reach seq {seq} ({what})")


@test
def hub_online_key_rotation_and_a_stolen_key_drill(ctx):
    """Rotate the hub's online key with the offline root: every node keeps
    receiving releases with nothing re-configured. Then replace the new key
    as if stolen: an entry the thief signs with it after the rotation is
    refused by the first honest node, and releases keep arriving. Last, the
    root keys themselves are replaced (old and new roots sign); the old root
    no longer rotates anything."""
    cluster = ctx.cluster
    province, city = cluster.nodes["330000"], cluster.nodes["330100"]
    key_file = os.path.join(cluster.hub_dir, "data", "hub.key")
    out = cluster.hub_cli("key", "rotate", "--root-key", cluster.root_key)
    expect("online key rotated" in out, f"rotate said: {out}")
    expect(os.stat(key_file + ".old").st_mode & 0o077 == 0, "hub.key.old is not 0600")
    # The running hub signs with the new key without a restart.
    seq = cluster.publish({"id": "after-rotation", "title": "国务院关于密钥轮换测试的通知",
                           "authority": "国务院", "body_text": "轮换"})["seq"]
    all_nodes_reach(cluster, seq, "after the rotation")

    # The key in use now is stolen: rotate again, then the thief signs with it.
    cluster.hub_cli("key", "rotate", "--root-key", cluster.root_key)
    rotated_at = cluster.hub_head()
    all_nodes_reach(cluster, rotated_at, "the second rotation")
    quarantined = city.status()["quarantine_count"]
    province.stop()
    forge = os.path.join(cluster.build_dir, "bin", "zq-forge-entry")
    forged = subprocess.run([forge, "--db", province.db_path, "--key", key_file + ".old",
                             "--origin", "000000", "--release-id", "after-rotation",
                             "--title", "关于被盗密钥签发的伪造通知"],
                            check=True, capture_output=True, text=True).stdout
    forged_seq = int(forged.split("seq=")[1])
    expect(forged_seq == rotated_at + 1, f"forged at seq {forged_seq}, rotation at {rotated_at}")
    province.start()
    zq.wait_until(lambda: city.status()["quarantine_count"] > quarantined, 30,
                  "city to refuse the entry signed with the stolen key")
    reason = city.status()["quarantine_recent"][0]["reason"]
    expect(f"seq {rotated_at}" in reason and "000000" in reason,
           f"refusal does not name the stolen key's range: {reason}")
    expect(city.head() < forged_seq, "city holds the forged entry")
    province.stop()
    zq.drop_own_entry(province.db_path, "000000", forged_seq)
    province.start()
    seq = cluster.publish({"id": "after-theft", "title": "国务院关于被盗密钥替换后的通知",
                           "authority": "国务院", "body_text": "替换"})["seq"]
    all_nodes_reach(cluster, seq, "after the stolen key was replaced")

    # The root itself is replaced: the old root and the new one sign; agents
    # (still configured with the old root's file) move their pin.
    new_root = os.path.join(ctx.workdir, "root2.key")
    cluster.hub_cli("key", "init-root", "--out", new_root)
    try:
        cluster.hub_cli("key", "rotate-root", "--root-key", new_root, "--new-root-key", new_root)
        raise AssertionError("rotate-root without the pinned root succeeded")
    except RuntimeError as e:
        expect("rotate-root" in str(e), f"unclear refusal: {e}")
    out = cluster.hub_cli("key", "rotate-root", "--root-key", cluster.root_key,
                          "--new-root-key", new_root)
    expect("root keys rotated threshold=1" in out, f"rotate-root said: {out}")
    all_nodes_reach(cluster, cluster.hub_head(), "the root rotation")
    try:
        cluster.hub_cli("key", "rotate", "--root-key", cluster.root_key)
        raise AssertionError("the replaced root still rotated the online key")
    except RuntimeError as e:
        expect("rotate" in str(e), f"unclear refusal: {e}")
    cluster.hub_cli("key", "rotate", "--root-key", new_root)
    seq = cluster.publish({"id": "after-root-rotation", "title": "国务院关于根密钥轮换后的通知",
                           "authority": "国务院", "body_text": "根密钥"})["seq"]
    all_nodes_reach(cluster, seq, "after the root and online keys were rotated")


def county_page(node, release_id):
    status, _, body = zq.http("GET", zq.release_url(node.url, release_id),
                              headers={"Accept": "text/html"})
    return status, body.decode("utf-8", "replace")


@test
def a_county_registered_under_the_wrong_parent_is_moved_under_its_city(ctx):
    """上城区 330102 is registered under 浙江省 while its city 杭州市 is
    registered: its site shows the province's layer but not the city's, and
    it does not follow the city's log. `zhanqun-hub node move` puts it under
    330100; through its old parent (still an ancestor) it keeps receiving,
    and once its operator points parent_url at the city, as
    docs/operations.md says, its pages show the city's layer too. The extra
    agent is stopped (by pid) at the end; the hub keeps its registry entry."""
    cluster = ctx.cluster
    province, city = cluster.nodes["330000"], cluster.nodes["330100"]
    rid = "move-drill"
    published = cluster.publish({"id": rid, "title": "国务院关于节点迁移演练的通知",
                                 "authority": "国务院", "body_text": "节点迁移"})
    all_nodes_reach(cluster, published["seq"], "the move drill's release")
    # Each level's own layer of the release, in its own log, signed by its key.
    province_layer, city_layer = "浙江省关于迁移演练的解读", "杭州市关于迁移演练的解读"
    for node, text in ((province, province_layer), (city, city_layer)):
        node.stop()
        cluster.forge_entry(node, getattr(node, "key_file", os.path.join(node.workdir,
                                                                         "agent.key")),
                            "--interpretation-of", rid, "--title", text)
        node.start()

    county = cluster.add_agent("330102", "330000", registry_parent="330000", site=True)
    try:
        nodes = {n["code"]: n for n in cluster.hub_status()["nodes"]}
        expect(nodes["330102"]["parent"] == "330000", f"registered under {nodes['330102']}")
        zq.wait_until(lambda: province_layer in county_page(county, rid)[1], 60,
                      "the county page with the province's layer")
        expect(city_layer not in county_page(county, rid)[1],
               "the county shows the layer of a city that is not its ancestor")
        expect("330100" not in county.status()["origins"],
               "the county follows a city that is not its ancestor")

        for bad, why in ((["node", "move", "330102", "--parent", "330200"], "not registered"),
                         (["node", "move", "330102", "--parent", "000000"],
                          "not exactly one level above"),
                         (["node", "move", "330102", "--parent", "330000"], "already under")):
            try:
                cluster.hub_cli(*bad)
                raise AssertionError(f"zhanqun-hub {' '.join(bad)} succeeded")
            except RuntimeError as e:
                expect(why in str(e), f"unclear error for {bad}: {e}")
        out = cluster.hub_cli("node", "move", "330102", "--parent", "330100")
        expect("node moved code=330102 parent=330100" in out, f"move said: {out}")
        moved_at = int(out.split("seq=")[1])
        nodes = {n["code"]: n for n in cluster.hub_status()["nodes"]}
        expect(nodes["330102"]["parent"] == "330100", f"hub status after the move: {nodes}")

        # The county learns its new ancestors from the registry entry and
        # starts following the city's log; its upstream is still the
        # province, an ancestor still, so national releases keep arriving.
        zq.wait_until(lambda: county.head() >= moved_at, 30, "the county to hold the move")
        zq.wait_until(lambda: "330100" in county.status()["origins"], 30,
                      "the county to follow its new parent's log")
        after = cluster.publish({"id": "after-move", "title": "国务院关于迁移之后的通知",
                                 "authority": "国务院", "body_text": "迁移之后"})
        zq.wait_until(lambda: county.head() >= after["seq"], 30,
                      "national releases to reach the moved county through the province")

        # The operator's step: parent_url (and the failover list) now start
        # at the new parent, which carries its own log; restart.
        county.stop()
        with open(county.config) as f:
            config = json.load(f)
        config["parent_url"] = city.url
        config["upstreams"] = [city.url, province.url, cluster.hub_url]
        with open(county.config, "w") as f:
            json.dump(config, f, indent=2)
        county.start()
        zq.wait_until(lambda: city_layer in county_page(county, rid)[1], 60,
                      "the county page with its new city's layer")
        status, body = county_page(county, rid)
        expect(status == 200 and province_layer in body,
               "the province (still an ancestor) lost its layer on the county page")
        expect(county.status()["parent_url"] == city.url, "the county's parent_url is not the city")
    finally:
        county.stop()


@test
def agent_refuses_to_start_with_a_bad_config_naming_each_problem(ctx):
    path = os.path.join(ctx.workdir, "bad-agent.json")
    with open(path, "w") as f:
        json.dump({"node": "33010X", "parent_url": "ftp://x", "listen": "nowhere",
                   "colour": "red"}, f)
    r = subprocess.run([ctx.cluster.agent_bin, "serve", "--config", path], capture_output=True,
                       text=True, timeout=20)
    expect(r.returncode != 0, "agent started with a bad config")
    for needle in ["node:", "parent_url:", "listen:", "colour: unknown", "hub_url: required",
                   "data_dir: required"]:
        expect(needle in r.stderr, f"config error does not mention '{needle}': {r.stderr}")


if __name__ == "__main__":
    sys.exit(SUITE.main(__doc__))
