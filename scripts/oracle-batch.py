#!/usr/bin/python3
# Runs the reference tools (sesearch, seinfo, sediff, audit2allow/audit2why) many times in one
# Python process: each job executes the installed script itself (runpy on /usr/bin/TOOL with its
# argv), so the answers are the tool's, without paying Python's and setools' start-up per query.
# stdin: JSON [[tool, [args...], stdin-text-or-null], ...]; stdout: JSON [{code, stdout}, ...].
import io
import json
import os
import runpy
import sys

jobs = json.load(sys.stdin)
real_stdout = sys.stdout
results = []
for tool, args, stdin in jobs:
    out = io.StringIO()
    sys.argv = [tool] + args
    sys.stdout = out
    sys.stdin = io.StringIO(stdin if stdin is not None else "")
    code = 0
    try:
        if tool == "xen-ocontexts":
            # seinfo 4.4.1 never lists Xen's ocontexts (it compares target_platform, an enum, with
            # the string "xen"); these are the statements it would print, from the same queries
            import setools
            p = setools.SELinuxPolicy(args[1])
            query = getattr(setools, args[0])
            for r in sorted(query(p).results()):
                print(r.statement())
        else:
            runpy.run_path(os.path.join("/usr/bin", tool), run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Exception as e:  # a tool crash is an answer too
        out.write("%s: %s\n" % (type(e).__name__, e))
        code = 1
    finally:
        sys.stdout = real_stdout
    results.append({"code": code, "stdout": out.getvalue()})
json.dump(results, real_stdout)
