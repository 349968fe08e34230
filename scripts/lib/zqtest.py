"""A small runner for the integration tests: each test is a function taking a
context; the runner starts a cluster (hub + a chain of agents), runs the
tests in order, stops every daemon by pid, counts a clean shutdown as a test
of its own, and prints 'N passed, M failed'.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback

import zqcluster as zq

ROOT = zq.ROOT


class Suite:
    def __init__(self, chain, stop_at_first_failure=False, **cluster_options):
        self.chain = chain
        self.tests = []
        self.stop_at_first_failure = stop_at_first_failure
        self.cluster_options = cluster_options

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def main(self, description):
        ap = argparse.ArgumentParser(description=description)
        ap.add_argument("--build-dir", required=True)
        ap.add_argument("--fixtures", required=True)
        ap.add_argument("--artifacts", default=None, help="where screenshots and reports go")
        ap.add_argument("--keep", action="store_true", help="keep the work directory")
        args = ap.parse_args()
        ctx = type("Context", (), {})()
        ctx.fixtures = os.path.abspath(args.fixtures)
        ctx.workdir = tempfile.mkdtemp(prefix="zhanqun-it-")
        ctx.artifacts = os.path.abspath(args.artifacts or os.path.join(ctx.workdir, "artifacts"))
        os.makedirs(ctx.artifacts, exist_ok=True)
        ctx.cluster = zq.Cluster(args.build_dir, ctx.workdir,
                                 os.path.join(ROOT, "config", "admin_divisions_cn.csv"),
                                 **self.cluster_options)
        passed, failed = 0, 0
        try:
            ctx.cluster.start_hub()
            # Chain entries: (code, parent) or (code, parent, extra agent.json settings).
            for code, parent, *extra in self.chain:
                ctx.cluster.add_agent(code, parent, extra_config=extra[0] if extra else None)
            passed, failed = self._run(ctx)
        finally:
            ctx.cluster.stop()
            unclean = ctx.cluster.unclean_exits()
            if unclean:
                failed += 1
                print(f"FAIL daemons_exit_cleanly_on_sigterm: exit codes {unclean}")
            else:
                passed += 1
                print("PASS daemons_exit_cleanly_on_sigterm")
            if failed:
                self._print_logs(ctx.cluster, ctx.workdir)
            if not args.keep:
                shutil.rmtree(ctx.workdir, ignore_errors=True)
        print(f"{passed} passed, {failed} failed")
        return 0 if failed == 0 and passed == len(self.tests) + 1 else 1

    def _run(self, ctx):
        passed = failed = 0
        for fn in self.tests:
            t0 = time.monotonic()
            try:
                fn(ctx)
                passed += 1
                print(f"PASS {fn.__name__} ({time.monotonic() - t0:.1f}s)", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {fn.__name__}", flush=True)
                traceback.print_exc()
                if self.stop_at_first_failure:
                    break
        return passed, failed

    def _print_logs(self, cluster, workdir):
        names = ["hub/hub.log"] + [f"{c}/agent.log" for c in cluster.nodes]
        for name in names + [os.path.relpath(p.log_path, workdir) for p in cluster.helpers]:
            p = os.path.join(workdir, name)
            if os.path.exists(p):
                print(f"--- tail of {name}")
                print(open(p, errors="replace").read()[-3000:])


def expect(cond, message):
    if not cond:
        raise AssertionError(message)
