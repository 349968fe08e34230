"""Staff accounts and the review workflow over the desk API, for the demo and
the desk integration test: users created with `zhanqun-hub user add`
(passwords in 0600 files), one API token each, and a draft taken from the
editor through every review level and the approver to publication."""
import json
import os
import secrets

import zqcluster as zq

# username: roles. Three reviewers for 初审, 复审, 终审.
STAFF = {"admin": "admin", "editor": "editor", "rev1": "reviewer", "rev2": "reviewer",
         "rev3": "reviewer", "approver": "approver"}


def create_staff(cluster, workdir, staff=None, password=None):
    """Creates the users and a token for each. Returns {username: (password, token)}.
    Without `password` each user gets a random one."""
    out = {}
    for name, roles in (staff or STAFF).items():
        pw = password or secrets.token_urlsafe(12)
        path = os.path.join(workdir, f".{name}.password")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, (pw + "\n").encode())
        os.close(fd)
        cluster.hub_cli("user", "add", name, "--roles", roles, "--name", name,
                        "--password-file", path)
        os.unlink(path)
        token = cluster.hub_cli("token", "create", f"{name}-bot", "--user", name).strip()
        out[name] = (pw, token)
    return out


def api(cluster, method, path, token, body=None):
    headers = {"Authorization": "Bearer " + token} if token else {}
    status, _, raw = zq.http(method, cluster.hub_url + path, body, headers)
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def call(cluster, method, path, token, body=None, want=(200, 201)):
    status, answer = api(cluster, method, path, token, body)
    if status not in want:
        raise RuntimeError(f"{method} {path}: HTTP {status}: {answer}")
    return answer


def take_through_workflow(cluster, staff, content, reviewers=("rev1", "rev2", "rev3"),
                          editor="editor", approver="approver", publish=True):
    """Drafts `content` (desk API JSON) as the editor, passes each review
    level with a different reviewer, approves and (optionally) publishes."""
    tok = {name: t for name, (_, t) in staff.items()}
    d = call(cluster, "POST", "/api/v1/drafts", tok[editor], content)
    call(cluster, "POST", f"/api/v1/drafts/{d['id']}/submit", tok[editor])
    for level, rev in enumerate(reviewers, 1):
        call(cluster, "POST", f"/api/v1/drafts/{d['id']}/pass", tok[rev],
             {"comment": f"第{level}级审核通过"})
    d = call(cluster, "POST", f"/api/v1/drafts/{d['id']}/approve", tok[approver],
             {"comment": "同意发布"})
    if publish:
        d = call(cluster, "POST", f"/api/v1/drafts/{d['id']}/publish", tok[approver])
    return d
