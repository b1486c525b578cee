#!/usr/bin/python3
# Fresh processes side by side, for before/after comparisons on a shared machine (docs/performance.md):
#   python3 bench/interleave.py ROUNDS 'CMD1' 'CMD2' ...
# runs every command once per round, in turn (so load hits them alike), each under
# `perf stat -e task-clock,page-faults` (CPU ms of the process and its threads: V8's compiler and GC
# threads count; page faults, which cost 20-36 µs each on this VM's fresh memory and barely vary
# between runs) with stdout discarded, and prints per command the median and least CPU and wall
# time and the median page faults.
import sys, subprocess, statistics, time
rounds = int(sys.argv[1]); cmds = sys.argv[2:]
cpu = {c: [] for c in cmds}; wall = {c: [] for c in cmds}; faults = {c: [] for c in cmds}
for r in range(rounds):
    for c in cmds:
        t0 = time.perf_counter()
        p = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock,page-faults", "sh", "-c", c + " >/dev/null"], capture_output=True, text=True)
        w = (time.perf_counter() - t0) * 1000
        line = [l for l in p.stderr.splitlines() if "task-clock" in l][-1]
        pf = [l for l in p.stderr.splitlines() if "page-faults" in l][-1]
        cpu[c].append(float(line.split(",")[0])); wall[c].append(w); faults[c].append(int(pf.split(",")[0]))
for c in cmds:
    xs = sorted(cpu[c]); ws = sorted(wall[c])
    print(f"cpu med {statistics.median(xs):6.1f} min {xs[0]:6.1f} | wall med {statistics.median(ws):6.1f} min {ws[0]:6.1f} | faults med {statistics.median(faults[c]):6.0f} | {c}")
