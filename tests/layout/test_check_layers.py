#!/usr/bin/env python3
"""scripts/check-layers: the real tree passes, and a tree that breaks each
rule is refused with a line naming the file, the line and the rule."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "..", "..", "scripts", "check-layers")


def run(*args):
    r = subprocess.run([sys.executable, CHECK, *args], capture_output=True, text=True)
    return r.returncode, r.stdout


def write(root, rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)

    rc, out = run()
    expect(rc == 0, f"the tree itself breaks the layering rules:\n{out}")

    with tempfile.TemporaryDirectory() as root:
        # Balanced sizes so that only the rules under test fire.
        for lib in ["base", "net", "sql", "text", "feeds", "agent"]:
            write(root, f"{lib}/src/filler.cc", "// x\n" * 100)
        rc, out = run("--root", root)
        expect(rc == 0, f"a clean tree is refused:\n{out}")

        write(root, "base/src/up.cc", '#include "zhanqun/feeds/atom.h"\n')
        write(root, "net/src/nolib.cc", '#include "zhanqun/nosuch/x.h"\n')
        write(root, "text/include/zhanqun/text/leak.h", "#include <nlohmann/json.hpp>\n")
        write(root, "agent/src/db.cc", "// one\n#include <sqlite3.h>\n")
        write(root, "feeds/src/big.cc", "// x\n" * 2000)
        rc, out = run("--root", root)
        expect(rc == 1, f"a broken tree passes (rc {rc})")
        for want in [
            "base/src/up.cc:1: base may not include zhanqun/feeds/atom.h",
            "net/src/nolib.cc:1: includes zhanqun/nosuch/x.h: no library 'nosuch'",
            "text/include/zhanqun/text/leak.h:1: public header includes <nlohmann/json.hpp>",
            "agent/src/db.cc:2: <sqlite3.h> belongs behind its adapter in sql/src/",
            "feeds: 2100 of ",
        ]:
            expect(want in out, f"missing: {want!r} in\n{out}")

    for f in failures:
        print("FAIL:", f)
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
