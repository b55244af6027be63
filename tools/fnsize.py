#!/usr/bin/env python3
"""The longest functions (in lines) in the .rs files under a folder: `python3 tools/fnsize.py src/routes/admin 5`."""
import os, re, sys
out = []
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if not f.endswith('.rs'): continue
        p = os.path.join(d, f); lines = open(p).read().split('\n')
        for n, l in enumerate(lines):
            m = re.match(r'\s*(pub(\([^)]*\))?\s+)?(async\s+)?fn\s+(\w+)', l)
            if not m: continue
            depth = 0; started = False
            for k in range(n, len(lines)):
                depth += lines[k].count('{') - lines[k].count('}')
                if '{' in lines[k]: started = True
                if started and depth <= 0:
                    out.append((k - n + 1, p, m.group(4))); break
                if not started and lines[k].rstrip().endswith(';'): break
out.sort(reverse=True)
for o in out[:int(sys.argv[2]) if len(sys.argv) > 2 else 8]:
    print(*o)
