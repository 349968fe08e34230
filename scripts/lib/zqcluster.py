"""Starts and drives a real zhanqun cluster on loopback: one hub and any
number of agents, each a real daemon process with its own data directory.

Used by the integration tests (tests/integration) and by scripts/demo.
Every process started here is stopped by its pid in Cluster.stop().
"""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


_ports_lock = threading.Lock()
_ports_given = set()


def free_port():
    """A loopback port nothing listens on, never the same one twice in this
    process (agents are added from several threads)."""
    with _ports_lock:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port not in _ports_given:
                _ports_given.add(port)
                return port


def http(method, url, body=None, headers=None, timeout=30):
    """Returns (status, headers, body bytes); never raises for HTTP errors."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in req.headers:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url):
    status, _, body = http("GET", url)
    if status != 200:
        raise RuntimeError(f"GET {url}: HTTP {status}: {body[:300]!r}")
    return json.loads(body)


def wait_until(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as e:  # the service may still be starting
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last error: {last_error})")


class Process:
    def __init__(self, name, argv, log_path):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.proc = None
        self.exit_codes = []  # one per stop: 0 is a clean shutdown
        self.nice = 0  # set before exec, so every thread of the daemon has it

    def start(self):
        self.log = open(self.log_path, "ab")
        nice = self.nice

        def lower_or_raise_priority():
            if nice:
                try:
                    os.setpriority(os.PRIO_PROCESS, 0, nice)
                except OSError:
                    pass  # raising needs root; then it runs at 0 like the rest
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL,
                                     preexec_fn=lower_or_raise_priority if nice else None)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            self.exit_codes.append(self.proc.returncode)
            self.log.close()
        self.proc = None

    def kill(self):
        """SIGKILL, as a crash would (fault injection); start() brings it back.
        The -9 this causes is ours, not the daemon's, so it is not recorded as an
        exit code; any other code (it died before we killed it) is."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.log.close()
        elif self.proc:
            self.exit_codes.append(self.proc.returncode)
            self.log.close()
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None


class Node:
    def __init__(self, cluster, code, name, port, workdir, parent):
        self.cluster = cluster
        self.code = code
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.workdir = workdir
        self.parent = parent
        self.process = None

    @property
    def db_path(self):
        return os.path.join(self.workdir, "data", "agent.db")

    def status(self):
        return get_json(self.url + "/api/v1/status")

    def head(self, origin="000000"):
        return self.status()["origins"][origin]["head"]

    def search(self, query, limit=10):
        q = urllib.parse.quote(query)
        return get_json(f"{self.url}/search?q={q}&limit={limit}")

    def start(self):
        self.process.start()
        wait_until(lambda: http("GET", self.url + "/healthz", timeout=2)[0] == 200,
                   self.cluster.listen_timeout_s, f"agent {self.code} to listen on {self.url}")

    def stop(self):
        self.process.stop()


class Cluster:
    def __init__(self, build_dir, workdir, divisions_file, page_size=100, site=False,
                 hub_config=None):
        self.page_size = page_size
        self.hub_config_extra = hub_config or {}  # more hub.json settings for every start_hub
        self.agent_config_extra = {}  # more agent.json settings for every add_agent
        self.site = site  # agents render their local site with interpretation layers
        # Agents pin the hub's offline root key (trust_root), which certifies
        # the hub's online key in the log's first entry; False: the legacy
        # fixed hub_public_key.
        self.root_anchored = True
        # How long an agent may take to listen; a big tree catching up the
        # registry on one machine starts slowly.
        self.listen_timeout_s = 20
        self.publish_timeout_s = 30
        self.hub_nice = 0  # e.g. -5: the hub ahead of the agents sharing its machine
        self.build_dir = os.path.abspath(build_dir)
        self.workdir = os.path.abspath(workdir)
        self.divisions_file = os.path.abspath(divisions_file)
        self.hub_bin = os.path.join(self.build_dir, "bin", "zhanqun-hub")
        self.agent_bin = os.path.join(self.build_dir, "bin", "zhanqun-agent")
        self.hub_process = None
        self.nodes = {}
        self.helpers = []  # other processes a test starts (nginx): stopped after the agents
        os.makedirs(self.workdir, exist_ok=True)

    # --- hub -------------------------------------------------------------
    def start_hub(self, extra_config=None):
        """extra_config: more hub.json settings (e.g. {"http_threads": 256})."""
        self.hub_port = free_port()
        self.hub_url = f"http://127.0.0.1:{self.hub_port}"
        self.hub_dir = os.path.join(self.workdir, "hub")
        os.makedirs(self.hub_dir, exist_ok=True)
        self.hub_config = os.path.join(self.hub_dir, "hub.json")
        with open(self.hub_config, "w") as f:
            json.dump({"data_dir": os.path.join(self.hub_dir, "data"),
                       "listen": f"127.0.0.1:{self.hub_port}",
                       "page_size": self.page_size,
                       "divisions_file": self.divisions_file, **self.hub_config_extra,
                       **(extra_config or {})},
                      f, indent=2)
        self.offline_dir = os.path.join(self.workdir, "offline")
        self.root_key = os.path.join(self.offline_dir, "root.key")
        if self.root_anchored:
            os.makedirs(self.offline_dir, exist_ok=True)
            if not os.path.exists(self.root_key):
                self.hub_cli("key", "init-root", "--out", self.root_key)
            self.hub_cli("init", "--root-key", self.root_key)
        else:
            self.hub_cli("init")
        self.token = self.hub_cli("token", "create", "staff").strip()
        self.hub_key_pub = os.path.join(self.hub_dir, "data", "hub.key.pub")
        self.hub_process = Process("hub", [self.hub_bin, "serve", "--config", self.hub_config],
                                   os.path.join(self.hub_dir, "hub.log"))
        self.hub_process.nice = self.hub_nice
        self.hub_process.start()
        wait_until(lambda: http("GET", self.hub_url + "/healthz", timeout=2)[0] == 200, 20,
                   "hub to listen")

    def hub_cli(self, *args):
        r = subprocess.run([self.hub_bin, *args, "--config", self.hub_config],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"zhanqun-hub {' '.join(args)} failed: {r.stderr.strip()}")
        return r.stdout

    def new_agent_key(self, node):
        """Generates a new key for `node` (stopped), points its agent.json at
        it, and returns the path of the public key file."""
        key = os.path.join(node.workdir, f"agent-{time.monotonic_ns()}.key")
        subprocess.run([self.agent_bin, "keygen", "--out", key], check=True,
                       capture_output=True)
        with open(node.config) as f:
            config = json.load(f)
        config["key_file"] = key
        with open(node.config, "w") as f:
            json.dump(config, f, indent=2)
        node.key_file = key
        return key + ".pub"

    def forge_entry(self, node, key_file, *args):
        """zq-forge-entry into `node`'s (stopped) db, signed with key_file; the seq."""
        forge = os.path.join(self.build_dir, "bin", "zq-forge-entry")
        out = subprocess.run([forge, "--db", node.db_path, "--key", key_file,
                              "--origin", node.code, *args],
                             check=True, capture_output=True, text=True).stdout
        return int(out.split("seq=")[1])

    def hub_status(self):
        return get_json(self.hub_url + "/api/v1/status")

    def hub_head(self):
        return self.hub_status()["hub"]["heads"]["000000"]

    def publish(self, release):
        status, _, body = http("POST", self.hub_url + "/api/v1/releases", release,
                               {"Authorization": "Bearer " + self.token},
                               timeout=self.publish_timeout_s)
        if status != 201:
            raise RuntimeError(f"publish {release.get('id')}: HTTP {status}: {body[:300]!r}")
        return json.loads(body)

    # --- agents ----------------------------------------------------------
    def add_agent(self, code, parent_code=None, start=True, parent_url=None, hub_url=None,
                  extra_config=None, registry_parent=None, site=None):
        """parent_url / hub_url: follow and acknowledge through another
        address (a cache in front of the hub) instead of the parent's own.
        registry_parent: register the node under this code (`node add
        --parent`) instead of its nearest registered ancestor. site: True or
        False overrides the cluster's `site` for this agent.
        extra_config: more agent.json settings (e.g. {"clock_skew_ms": 300000});
        "failover": False there keeps the parent as the only upstream."""
        extra_config = {**self.agent_config_extra, **(extra_config or {})}
        failover = extra_config.pop("failover", True)
        parent = self.nodes[parent_code] if parent_code else None
        # Failover order: parent, grandparent, ..., then the hub.
        upstreams = []
        up = parent
        while up is not None:
            upstreams.append(up.url)
            up = up.parent
        upstreams.append(self.hub_url)
        if parent_url:
            upstreams[0] = parent_url
        if not failover:
            upstreams = upstreams[:1]
        port = free_port()
        if extra_config.get("push_callback_url") == "self":  # pushed to at its own address
            extra_config["push_callback_url"] = f"http://127.0.0.1:{port}"
        workdir = os.path.join(self.workdir, code)
        os.makedirs(workdir, exist_ok=True)
        key = os.path.join(workdir, "agent.key")
        subprocess.run([self.agent_bin, "keygen", "--out", key], check=True,
                       capture_output=True)
        out = self.hub_cli("node", "add", code, "--key", key + ".pub",
                           *(["--parent", registry_parent] if registry_parent else []))
        name = out.split("name=")[1].split()[0]
        config = os.path.join(workdir, "agent.json")
        with open(config, "w") as f:
            json.dump({"node": code,
                       "parent_url": parent_url or (parent.url if parent else self.hub_url),
                       "hub_url": hub_url or self.hub_url,
                       "data_dir": os.path.join(workdir, "data"),
                       "key_file": key,
                       **({"trust_root": self.root_key + ".pub"} if self.root_anchored
                          else {"hub_public_key": self.hub_key_pub}),
                       "upstreams": upstreams,
                       "page_size": self.page_size,
                       "listen": f"127.0.0.1:{port}", **extra_config}, f, indent=2)
        if self.site if site is None else site:
            self._configure_site(config, code, name, workdir)
        node = Node(self, code, name, port, workdir, parent)
        node.config = config
        node.process = Process(code, [self.agent_bin, "serve", "--config", config],
                               os.path.join(workdir, "agent.log"))
        self.nodes[code] = node
        if start:
            node.start()
        return node

    def _configure_site(self, config_path, code, name, workdir):
        level = level_of(code)
        profile = {"code": code, "name": name, "level": level, "site_title": f"{name}人民政府",
                   "hotline": "12345",
                   "departments": [{"name": f"{name}发展和改革委员会", "address": f"{name}人民路1号",
                                    "phone": "0571-12345678"}],
                   "services": [{"title": f"{name}政务服务网", "url": "https://www.zjzwfw.gov.cn/"}]}
        profile_path = os.path.join(workdir, "profile.json")
        with open(profile_path, "w", encoding="utf-8") as f:
            json.dump(profile, f, ensure_ascii=False, indent=2)
        token_path = os.path.join(workdir, "admin.token")
        fd = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(24).hex().encode())
        os.close(fd)
        with open(config_path) as f:
            config = json.load(f)
        config.update({"profile": profile_path,
                       "templates_dir": os.path.join(ROOT, "localization", "templates",
                                                     "interpretation"),
                       "theme_dir": os.path.join(ROOT, "localization", "theme", "default"),
                       "admin_token_file": token_path})
        with open(config_path, "w") as f:
            json.dump(config, f, indent=2)

    def stop(self):
        for node in reversed(list(self.nodes.values())):
            node.stop()
        for p in self.helpers:
            p.stop()
        if self.hub_process:
            self.hub_process.stop()

    def unclean_exits(self):
        """Daemons that did not exit 0 on SIGTERM (a crash, or a leak under ASan)."""
        procs = [self.hub_process] + [n.process for n in self.nodes.values()] + self.helpers
        return {p.name: p.exit_codes for p in procs if p and any(c != 0 for c in p.exit_codes)}


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def level_of(code):
    if code == "000000":
        return "national"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def safe_file_name(release_id):
    """The site's file name for a release id (localization::SafeFileName)."""
    out = []
    for b in release_id.encode():
        c = chr(b)
        out.append(c if (c.isascii() and (c.isalnum() or c in "._-")) else "%%%02X" % b)
    return "".join(out)


def release_url(base, release_id):
    return f"{base}/releases/{safe_file_name(release_id).replace('%', '%25')}.html"


def topic_url(base, topic_id):
    return f"{base}/topics/{safe_file_name(topic_id).replace('%', '%25')}.html"


def load_documents(path, limit=None):
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                docs.append(json.loads(line))
    return docs[:limit] if limit else docs


TOPIC_KEYWORDS = [("营商环境", "营商环境"), ("教育", "教育"), ("就业", "就业"),
                  ("医疗", "医疗卫生"), ("税", "财税"), ("农", "三农"), ("企业", "企业发展")]


def release_from_document(doc):
    """Maps a gov.cn fixture document onto the publish API's JSON."""
    topics = sorted({t for kw, t in TOPIC_KEYWORDS if kw in doc["title"]})
    rid = "govcn-" + doc["index_number"].replace("/", "-")
    release = {"id": rid, "title": doc["title"], "authority": doc["authority"],
               "doc_number": doc.get("doc_number") or "", "body_text": doc["body"],
               "topics": topics, "categories": ["国务院文件"]}
    if doc.get("date"):
        release["signed_date"] = doc["date"]
    if doc.get("pub_date"):
        release["published"] = doc["pub_date"] + "T09:00:00+08:00"
    return release


def drop_own_entry(db_path, origin, seq):
    """Removes an entry from a stopped node's store (undoing an injected fault)."""
    con = sqlite3.connect(db_path)
    try:
        con.execute("DELETE FROM entries WHERE origin=? AND seq=?", (origin, seq))
        con.commit()
    finally:
        con.close()


def flip_title_byte(db_path, origin, seq):
    """Changes one character of an entry's stored wire bytes (fault injection)."""
    con = sqlite3.connect(db_path)
    try:
        (wire,) = con.execute("SELECT wire FROM entries WHERE origin=? AND seq=?",
                              (origin, seq)).fetchone()
        start = wire.index(b"<title>") + len(b"<title>")
        changed = bytearray(wire)
        # Replace one 3-byte CJK character by three ASCII letters: still
        # well-formed XML and UTF-8, so only the signature can catch it.
        changed[start:start + 3] = b"XYZ"
        con.execute("UPDATE entries SET wire=? WHERE origin=? AND seq=?",
                    (bytes(changed), origin, seq))
        con.commit()
    finally:
        con.close()


class StaticServer:
    """Serves the files of a directory on a free loopback port, in a thread
    (upstream RSS/Atom feeds for ingestion)."""

    def __init__(self, directory):
        import functools
        import http.server
        import threading

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a):
                pass

        handler = functools.partial(Quiet, directory=directory)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
