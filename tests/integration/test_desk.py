#!/usr/bin/env python3
"""Integration test of the staff desk and admin console (issue 5): a real hub
with staff accounts and an upstream source, and three real agents (浙江省
330000 -> 杭州市 330100 -> 西湖区 330106) with their sites on.

Checks the bar of the issue over real HTTP: a self-approval, a forged CSRF
form post and a reviewer's token on an approver's endpoint are each refused
and change nothing; the whole endpoint x role matrix of the desk API answers
as roles.h says; an upstream RSS item becomes a draft; the browser journey
(tests/browser/desk_journey.mjs) takes a real policy from draft through three
reviewers and an approver to the county's site and the propagation page, with
axe on every page; editing one byte of audit.db makes `audit verify` fail at
the right record.

usage: test_desk.py --build-dir BUILD --fixtures tests/fixtures [--artifacts DIR] [--keep]
"""
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import zqcluster as zq  # noqa: E402
import zqdesk  # noqa: E402
from zqtest import Suite, expect  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHAIN = [("330000", None), ("330100", "330000"), ("330106", "330100")]
UPSTREAM = os.path.join(ROOT, "tests", "fixtures", "upstream")


FEEDS = zq.StaticServer(UPSTREAM)
FEED_URL = FEEDS.url
SOURCES = [
    {"name": "ministry", "url": FEED_URL + "/ministry_rss2.xml", "authority": "国务院办公厅",
     "interval_s": 3600},
    {"name": "hostile", "url": FEED_URL + "/xxe.xml", "authority": "未知", "interval_s": 3600},
]
SUITE = Suite(CHAIN, stop_at_first_failure=True, site=True, hub_config={"sources": SOURCES})
test = SUITE.test

PASSWORD = "zhanqun-test-密码-2026"
USERS = {  # username: roles
    "admin": "admin", "editor": "editor", "rev1": "reviewer", "rev2": "reviewer",
    "rev3": "reviewer", "approver": "approver", "chief": "editor,reviewer,approver",
}


def api(ctx, method, path, token, body=None):
    return zqdesk.api(ctx.cluster, method, path, token, body)


class Browser:
    """A cookie-keeping HTTP client that logs in through the login form."""

    def __init__(self, base):
        self.base, self.cookies = base, {}

    def request(self, method, path, form=None, headers=None):
        """No redirects are followed; every Set-Cookie is kept."""
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        url = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            raw = r.read()
            for name, value in r.getheaders():
                if name.lower() == "set-cookie":
                    cname, _, rest = value.partition("=")
                    self.cookies[cname.strip()] = rest.split(";")[0]
            return r.status, dict(r.getheaders()), raw.decode("utf-8", "replace")
        finally:
            conn.close()

    def csrf(self, path):
        status, _, html = self.request("GET", path)
        m = re.search(r'name="csrf" value="([^"]+)"', html)
        expect(m, f"no csrf field on {path} (HTTP {status})")
        return m.group(1)

    def login(self, username, password):
        token = self.csrf("/desk/login")
        status, headers, _ = self.request("POST", "/desk/login", {
            "csrf": token, "username": username, "password": password, "next": "/desk/queue"})
        expect(status == 303, f"login of {username}: HTTP {status}")
        expect("zq_session" in self.cookies, "no session cookie after login")


def doc_for_journey(ctx):
    docs = [json.loads(line) for line in open(os.path.join(ctx.fixtures, "govcn_state_council_2019.jsonl"))]
    doc = docs[7]
    paragraphs = [p.strip() for p in doc["body"].split("\n") if p.strip()]
    return {"title": doc["title"], "doc_number": doc.get("doc_number") or "",
            "authority": doc["authority"], "signed_date": doc.get("date") or "",
            "body_markdown": "\n\n".join(paragraphs[:40])}


def content(title):
    return {"title": title, "authority": "国务院办公厅", "doc_number": "国办发〔2019〕1号",
            "signed_date": "2019-01-10", "body_text": "第一条 为了测试。\n第二条 本办法自发布之日起施行。"}


def walk_to_approval(ctx, token_of, author, title):
    """Creates a draft as `author` and takes it through the three levels."""
    s, d = api(ctx, "POST", "/api/v1/drafts", token_of[author], content(title))
    expect(s == 201, f"create draft: {s} {d}")
    s, d = api(ctx, "POST", f"/api/v1/drafts/{d['id']}/submit", token_of[author])
    expect(s == 200 and d["state"] == "in_review", f"submit: {s} {d}")
    for rev in ("rev1", "rev2", "rev3"):
        s, d = api(ctx, "POST", f"/api/v1/drafts/{d['id']}/pass", token_of[rev], {"comment": "ok"})
        expect(s == 200, f"{rev} pass: {s} {d}")
    expect(d["state"] == "awaiting_approval", f"after three levels: {d['state']}")
    return d


@test
def staff_accounts_and_tokens_are_created_from_the_cli(ctx):
    staff = zqdesk.create_staff(ctx.cluster, ctx.workdir, USERS, PASSWORD)
    ctx.tokens = {name: token for name, (_, token) in staff.items()}
    listing = ctx.cluster.hub_cli("user", "list")
    for name in USERS:
        expect(name in listing, f"user list lacks {name}")
    expect(PASSWORD not in open(os.path.join(ctx.cluster.hub_dir, "hub.log")).read(),
           "a password reached the hub log")
    accounts_db = open(os.path.join(ctx.cluster.hub_dir, "data", "accounts.db"), "rb").read()
    expect(PASSWORD.encode() not in accounts_db, "a password is stored in accounts.db")
    for name in USERS:
        expect(ctx.tokens[name].encode() not in accounts_db, "a token is stored in clear")


@test
def a_self_approval_is_refused_and_changes_nothing(ctx):
    d = walk_to_approval(ctx, ctx.tokens, "chief", "自我签发测试稿")
    s, body = api(ctx, "POST", f"/api/v1/drafts/{d['id']}/approve", ctx.tokens["chief"], {})
    expect(s == 403, f"self-approval answered {s}: {body}")
    expect("chief" in body["error"], f"the refusal does not name who: {body}")
    s, after = api(ctx, "GET", f"/api/v1/drafts/{d['id']}", ctx.tokens["chief"])
    expect(after["state"] == "awaiting_approval", f"state changed to {after['state']}")
    # A reviewer cannot take two levels of one round either.
    s, d2 = api(ctx, "POST", "/api/v1/drafts", ctx.tokens["editor"], content("同一审核人两级测试"))
    api(ctx, "POST", f"/api/v1/drafts/{d2['id']}/submit", ctx.tokens["editor"])
    api(ctx, "POST", f"/api/v1/drafts/{d2['id']}/pass", ctx.tokens["rev1"], {})
    s, body = api(ctx, "POST", f"/api/v1/drafts/{d2['id']}/pass", ctx.tokens["rev1"], {})
    expect(s == 403, f"one reviewer taking two levels answered {s}: {body}")
    ctx.pending = d  # awaiting approval, for the next tests


@test
def a_reviewer_token_on_an_approver_endpoint_is_refused(ctx):
    d = ctx.pending
    for path in (f"/api/v1/drafts/{d['id']}/approve", f"/api/v1/drafts/{d['id']}/publish"):
        s, body = api(ctx, "POST", path, ctx.tokens["rev2"], {})
        expect(s == 403, f"reviewer token on {path} answered {s}: {body}")
        expect("approver" in body["error"], f"the refusal does not name the role: {body}")
    s, body = api(ctx, "POST", "/api/v1/withdrawals", ctx.tokens["rev2"],
                  {"release_id": d["release_id"], "reason": "x"})
    expect(s == 403, f"reviewer withdrawal answered {s}")
    s, _ = api(ctx, "POST", f"/api/v1/drafts/{d['id']}/approve", "zq_not_a_token", {})
    expect(s == 401, f"unknown token answered {s}")
    s, after = api(ctx, "GET", f"/api/v1/drafts/{d['id']}", ctx.tokens["rev2"])
    expect(after["state"] == "awaiting_approval", f"state changed to {after['state']}")


@test
def a_forged_csrf_form_post_is_refused_and_changes_nothing(ctx):
    d = ctx.pending
    b = Browser(ctx.cluster.hub_url)
    b.login("approver", PASSWORD)
    real = b.csrf(f"/desk/drafts/{d['id']}")
    other = Browser(ctx.cluster.hub_url)
    other.login("admin", PASSWORD)
    others_token = other.csrf("/desk/queue")
    path = f"/desk/drafts/{d['id']}/approve"
    for label, form in (("forged", {"csrf": "A" * 43, "decision": "approve"}),
                        ("missing", {"decision": "approve"}),
                        ("another session's", {"csrf": others_token, "decision": "approve"})):
        status, _, _ = b.request("POST", path, form)
        expect(status == 403, f"{label} CSRF token answered {status}")
    status, _, _ = b.request("POST", path, {"csrf": real, "decision": "approve"},
                             {"Origin": "http://evil.example"})
    expect(status == 403, f"a cross-site Origin answered {status}")
    s, after = api(ctx, "GET", f"/api/v1/drafts/{d['id']}", ctx.tokens["approver"])
    expect(after["state"] == "awaiting_approval", f"state changed to {after['state']}")
    # The genuine form works.
    status, _, _ = b.request("POST", path, {"csrf": real, "decision": "approve", "comment": "同意"})
    expect(status == 303, f"the genuine approval answered {status}")
    s, after = api(ctx, "GET", f"/api/v1/drafts/{d['id']}", ctx.tokens["approver"])
    expect(after["state"] == "approved", f"after approval: {after['state']}")


@test
def every_desk_endpoint_answers_each_role_as_the_matrix_says(ctx):
    # (method, path, body, roles allowed). A role that is refused gets 403
    # naming the role it lacks; an allowed role gets past the role check (it
    # may still meet a workflow rule: 409, or 403 for separation of duties).
    s, d = api(ctx, "POST", "/api/v1/drafts", ctx.tokens["editor"], content("矩阵测试稿"))
    did = d["id"]
    rows = [
        ("POST", "/api/v1/drafts", content("矩阵"), {"editor"}),
        ("POST", f"/api/v1/drafts/{did}", {"revision": 99, **content("矩阵")}, {"editor"}),
        ("POST", f"/api/v1/drafts/{did}/attachments?filename=a.txt", None, {"editor"}),
        ("POST", f"/api/v1/drafts/{did}/submit", None, {"editor"}),
        ("POST", f"/api/v1/drafts/{did}/pass", {}, {"reviewer"}),
        # At a review level only a reviewer may reject (an approver rejects at approval).
        ("POST", f"/api/v1/drafts/{did}/reject", {"comment": "x"}, {"reviewer"}),
        ("POST", f"/api/v1/drafts/{did}/approve", {}, {"approver"}),
        ("POST", f"/api/v1/drafts/{did}/publish", None, {"approver"}),
        ("POST", f"/api/v1/drafts/{did}/schedule", {"at": "2030-01-01T00:00:00Z"}, {"approver"}),
        ("POST", f"/api/v1/drafts/{did}/unschedule", None, {"approver"}),
        ("POST", "/api/v1/amendments", {"release_id": "no-such"}, {"editor"}),
        ("POST", "/api/v1/withdrawals", {"release_id": "no-such", "reason": "x"}, {"approver"}),
        ("POST", "/api/v1/repeals", {"release_id": "no-such", "reason": "x"}, {"approver"}),
        ("POST", "/api/v1/releases", {"id": "m-1", "title": "x", "authority": "y", "body_text": "z"}, {"admin"}),
        ("POST", "/api/v1/topics", {"id": "矩阵", "title": "矩阵"}, {"admin"}),
        ("POST", "/api/v1/nodes", {"code": "110000", "public_key": "bad"}, {"admin"}),
        ("GET", "/api/v1/audit", None, {"admin"}),
        ("GET", "/api/v1/audit/verify", None, {"admin"}),
    ]
    role_user = {"editor": "editor", "reviewer": "rev3", "approver": "approver", "admin": "admin"}
    failures = []
    for method, path, body, allowed in rows:
        for role, user in role_user.items():
            s, answer = api(ctx, method, path, ctx.tokens[user], body)
            error = answer.get("error", "") if isinstance(answer, dict) else ""
            refused = s == 401 or (s == 403 and "role" in error)
            if (role in allowed) == refused:
                failures.append(f"{method} {path} as {role}: {s} {str(answer)[:160]}")
        s, _ = api(ctx, method, path, "", body)
        if s != 401:
            failures.append(f"{method} {path} without a token: {s}, expected 401")
    expect(not failures, "matrix mismatches:\n" + "\n".join(failures))
    ctx.matrix_rows = len(rows)


@test
def every_desk_and_console_page_answers_each_role_as_the_matrix_says(ctx):
    # (method, path, roles allowed). Refused: 403. Allowed: anything else
    # (state-changing forms name a draft, release, user or source that does
    # not exist, or carry an empty form, so nothing changes). "*" = any role.
    rows = [("GET", p, r) for p, r in (
        ("/desk", "*"), ("/desk/queue", "*"), ("/desk/drafts", "*"), ("/desk/tokens", "*"),
        ("/desk/compose", "editor"), ("/desk/audit", "admin"), ("/desk/topics", "admin"),
        ("/desk/users", "admin"), ("/desk/sources", "admin"), ("/console", "admin"),
        ("/console/releases", "admin"), ("/console/nodes/330106", "admin"))]
    rows += [("POST", p, r) for p, r in (
        ("/desk/compose", "editor"), ("/desk/drafts/999999/edit", "editor"),
        ("/desk/drafts/999999/submit", "editor"), ("/desk/drafts/999999/attachments", "editor"),
        ("/desk/drafts/999999/review", "reviewer"), ("/desk/drafts/999999/approve", "approver"),
        ("/desk/drafts/999999/publish", "approver"), ("/desk/drafts/999999/schedule", "approver"),
        ("/desk/drafts/999999/unschedule", "approver"), ("/desk/drafts/999999/embargo", "*"),
        ("/desk/releases/amend", "editor"), ("/desk/releases/withdraw", "approver"),
        ("/desk/releases/repeal", "approver"), ("/desk/topics", "admin"), ("/desk/users", "admin"),
        ("/desk/users/nobody/roles", "admin"), ("/desk/users/nobody/disable", "admin"),
        ("/desk/sources/nosuch/poll", "admin"), ("/desk/tokens", "*"),
        ("/desk/tokens/nosuch/revoke", "*"))]
    users = {"editor": "editor", "reviewer": "rev1", "approver": "approver", "admin": "admin"}
    sessions = {}
    for role, user in users.items():
        sessions[role] = Browser(ctx.cluster.hub_url)
        sessions[role].login(user, PASSWORD)
    failures = []
    for method, path, allowed in rows:
        for role, b in sessions.items():
            form = None
            if method == "POST":
                form = {"csrf": b.csrf("/desk/tokens"), "release_id": "no-such-release"}
            status, _, _ = b.request(method, path, form)
            ok = allowed == "*" or role == allowed
            if ok == (status == 403):
                failures.append(f"{method} {path} as {role}: HTTP {status}")
        anon = Browser(ctx.cluster.hub_url)
        status, headers, _ = anon.request(method, path, {} if method == "POST" else None)
        if status not in (303, 403):
            failures.append(f"{method} {path} anonymous: HTTP {status}")
    expect(not failures, "page matrix mismatches:\n" + "\n".join(failures))


@test
def upstream_items_become_drafts_and_a_hostile_feed_is_rejected(ctx):
    r = subprocess.run([ctx.cluster.hub_bin, "source", "poll", "--all", "--config",
                        ctx.cluster.hub_config], capture_output=True, text=True)
    out = r.stdout
    expect(r.returncode == 1, f"a failed source must make the poll exit 1, got {r.returncode}")
    # The daemon polled at start; this poll sends its validators and gets 304.
    expect(re.search(r"ministry: (ok|not_modified)", out), f"ministry poll: {out}")
    expect("hostile: bad_feed" in out, f"hostile poll: {out}")
    s, drafts = api(ctx, "GET", "/api/v1/drafts?state=in_review", ctx.tokens["rev1"])
    ingested = [d for d in drafts if d["source"] == "ingest:ministry"]
    expect(ingested, f"no ingested drafts in review: {[d['source'] for d in drafts]}")
    expect(all(d["source_link"].startswith("http") for d in ingested), "ingested drafts lack links")
    out2 = ctx.cluster.hub_cli("source", "poll", "ministry")
    s, again = api(ctx, "GET", "/api/v1/drafts?state=in_review", ctx.tokens["rev1"])
    expect(len([d for d in again if d["source"] == "ingest:ministry"]) == len(ingested),
           f"a second poll duplicated items: {out2}")


@test
def browser_journey_from_draft_to_county_passes_with_axe_clean_pages(ctx):
    script = os.path.join(ROOT, "tests", "browser", "desk_journey.mjs")
    if not os.path.isdir(os.path.join(ROOT, "tests", "browser", "node_modules")):
        raise AssertionError("tests/browser/node_modules missing: run scripts/install-deps")
    users = {"editor": {"username": "editor", "password": PASSWORD},
             "reviewers": [{"username": u, "password": PASSWORD} for u in ("rev1", "rev2", "rev3")],
             "approver": {"username": "approver", "password": PASSWORD},
             "admin": {"username": "admin", "password": PASSWORD}}
    users_file = os.path.join(ctx.workdir, "users.json")
    with open(users_file, "w") as f:
        json.dump(users, f)
    os.chmod(users_file, 0o600)
    doc_file = os.path.join(ctx.workdir, "doc.json")
    ctx.doc = doc_for_journey(ctx)
    with open(doc_file, "w") as f:
        json.dump(ctx.doc, f, ensure_ascii=False)
    out = os.path.join(ctx.artifacts, "desk")
    county = ctx.cluster.nodes["330106"]
    r = subprocess.run(["node", script, "--hub", ctx.cluster.hub_url, "--county", county.url,
                        "--county-code", "330106", "--users", users_file, "--doc", doc_file,
                        "--out", out], capture_output=True, text=True, timeout=600)
    print("\n".join("  " + line for line in r.stdout.strip().splitlines()))
    expect(r.returncode == 0, f"browser journey failed:\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}")
    m = re.search(r"release_id=(\S+)", r.stdout)
    expect(m, "the journey did not report its release id")
    s, hub_releases = api(ctx, "GET", "/api/v1/releases", "")
    expect(any(x["id"] == m.group(1) and x["title"] == ctx.doc["title"] for x in hub_releases),
           "the journey's release is not in the hub's log")


@test
def editing_one_byte_of_the_audit_database_makes_audit_verify_name_the_record(ctx):
    out = ctx.cluster.hub_cli("audit", "verify")
    expect("intact" in out, f"audit verify before the edit: {out}")
    s, records = api(ctx, "GET", "/api/v1/audit?action=review.pass&limit=1000", ctx.tokens["admin"])
    expect(s == 200 and records, f"no review.pass records: {s}")
    target = records[-1]  # the oldest review pass
    seq = target["seq"]
    # A copy of the hub's data directory, so the running hub is untouched.
    data = os.path.join(ctx.cluster.hub_dir, "data")
    copy = os.path.join(ctx.workdir, "audit-copy")
    shutil.copytree(data, copy)
    db = os.path.join(copy, "audit.db")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (detail,) = con.execute("SELECT detail FROM audit WHERE seq=?", (seq,)).fetchone()
    con.close()
    raw = bytearray(open(db, "rb").read())
    needle = detail.encode()
    at = raw.find(needle)
    expect(at >= 0 and raw.find(needle, at + 1) < 0, "the record's bytes are not unique in the file")
    i = at + 2  # inside the first key's name: the row stays valid text
    raw[i] = ord("E") if raw[i] != ord("E") else ord("F")
    open(db, "wb").write(bytes(raw))
    cfg = json.load(open(ctx.cluster.hub_config))
    cfg["data_dir"] = copy
    cfg["listen"] = "127.0.0.1:1"
    cfg_path = os.path.join(ctx.workdir, "audit-copy.json")
    json.dump(cfg, open(cfg_path, "w"))
    r = subprocess.run([ctx.cluster.hub_bin, "audit", "verify", "--config", cfg_path],
                       capture_output=True, text=True)
    expect(r.returncode == 1, f"audit verify after the edit exited {r.returncode}: {r.stdout}{r.stderr}")
    expect(f"record {seq}:" in r.stdout + r.stderr, f"verify does not name record {seq}: {r.stdout}{r.stderr}")


if __name__ == "__main__":
    sys.exit(SUITE.main(__doc__))
