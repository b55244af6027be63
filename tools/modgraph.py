#!/usr/bin/env python3
"""The import graph of a Rust crate's src/, and its circles.

    python3 tools/modgraph.py src          # one node per file module
    python3 tools/modgraph.py src top      # one node per top-level module
    python3 tools/modgraph.py src edges    # every edge, per file module

A node is a file module (`db::articles` is src/db/articles.rs; `db` is
src/db/mod.rs; `main` is src/main.rs, the binary). An edge A -> B means a
path in A's file names something in B's file: `crate::b::x`, `super::x`,
`self::child::x`, `child::x` (a module declared below A), or a name brought
in by a `use` (`use crate::db; ... db::articles::x` is an edge to
`db::articles`). Edges between a folder's `mod.rs` and its children count
like any other; the `mod child;` line that declares a child does not.
Inline modules (`mod tests { .. }`) belong to their file, and `super::`
inside them is resolved from where they sit. Comments and string literals
are ignored.

Prints the number of modules, edges and circles (strongly connected
components of more than one node), then each circle with its edges.
Exit status 1 if there is a circle, so a check can run it.
"""
import os
import re
import sys

IDENT = r'[A-Za-z_][A-Za-z0-9_]*'


def strip(text):
    """Blanks out comments, string and char literals, keeping offsets."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif text.startswith('/*', i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith('/*', j):
                    depth, j = depth + 1, j + 2
                elif text.startswith('*/', j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif re.match(r'b?r#*"', text[i:i + 40]) and (i == 0 or not re.match(r'\w', text[i - 1])):
            m = re.match(r'(b?r)(#*)"', text[i:])
            close = '"' + m.group(2)
            j = text.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            j += 1
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c == "'":
            m = re.match(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'", text[i:])
            if m:
                out.append(' ' * m.end())
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def load(root):
    files = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith('.rs'):
                p = os.path.join(d, f)
                parts = os.path.relpath(p, root)[:-3].split(os.sep)
                if parts == ['main']:
                    parts = ['main']
                elif parts[-1] in ('mod', 'lib'):
                    parts = parts[:-1]
                with open(p) as fh:
                    files['::'.join(parts)] = strip(fh.read())
    return files


def inline_scopes(text):
    """(start, end, name) of every inline `mod name { .. }`, by brace matching."""
    scopes = []
    for m in re.finditer(r'\bmod\s+(' + IDENT + r')\s*\{', text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            if text[j] == '{':
                depth += 1
            elif text[j] == '}':
                depth -= 1
            j += 1
        scopes.append((m.start(), j, m.group(1)))
    return scopes


def scope_at(module, scopes, pos):
    segs = module.split('::') if module else []
    for start, end, name in sorted(scopes):
        if start <= pos < end:
            segs = segs + [name]
    return segs


def use_leaves(tree):
    """The full paths of a use tree, with the name each binds (or None)."""
    tree = re.sub(r'\s*(::|\{|\}|,)\s*', r'\1', tree.strip())
    tree = re.sub(r'\s+', ' ', tree)
    leaves = []

    def walk(prefix, s):
        # split s at top-level commas
        parts, depth, cur = [], 0, ''
        for ch in s:
            if ch == ',' and depth == 0:
                parts.append(cur)
                cur = ''
                continue
            depth += ch == '{'
            depth -= ch == '}'
            cur += ch
        parts.append(cur)
        for part in parts:
            if not part:
                continue
            if '{' in part:
                base, inner = part.split('{', 1)
                walk(prefix + [x for x in base.split('::') if x], inner[:inner.rfind('}')])
                continue
            alias, path_s = None, part
            m = re.match(r'^(.*?) as (' + IDENT + r')$', part)
            if m:
                path_s, alias = m.group(1), m.group(2)
            segs = [x for x in path_s.split('::') if x]
            if segs and segs[-1] == 'self':
                segs = segs[:-1]
                full = prefix + segs
                leaves.append((full, alias or (full[-1] if full else None)))
            elif segs and segs[-1] == '*':
                leaves.append((prefix + segs[:-1], None))
            else:
                full = prefix + segs
                leaves.append((full, alias or (full[-1] if full else None)))
    walk([], tree)
    return leaves


def graph(root):
    files = load(root)
    mods = set(files)
    # modules declared anywhere (file modules and inline ones), for child paths
    declared = set(mods)
    for m, text in files.items():
        for start, end, name in inline_scopes(text):
            declared.add('::'.join(scope_at(m, inline_scopes(text), start) + [name]))

    def owner(path_segs):
        """The file module that holds `path_segs`, or None if not in the crate."""
        for n in range(len(path_segs), -1, -1):
            cand = '::'.join(path_segs[:n])
            if cand in mods:
                return cand
        return None

    edges = {m: set() for m in mods}
    for m, text in files.items():
        scopes = inline_scopes(text)
        aliases = {}  # name -> absolute segments (file-wide; good enough)

        def absolute(segs, pos):
            scope = scope_at(m, scopes, pos)
            head = segs[0]
            if head in ('crate', '$crate') or (m == 'main' and head == crate_name):
                return segs[1:]
            if head == 'super':
                base = list(scope)
                while segs and segs[0] == 'super':
                    base = base[:-1]
                    segs = segs[1:]
                return base + segs
            if head == 'self':
                return scope + segs[1:]
            if head in aliases:
                return aliases[head] + segs[1:]
            if '::'.join(scope + [head]) in declared:
                return scope + segs
            if m == '' and head in declared:
                return segs
            return None

        def add(abs_segs):
            if abs_segs is None:
                return
            if m == 'main' and abs_segs and abs_segs[0] == 'main':
                return
            target = owner(abs_segs)
            if target is not None and target != m:
                if target == '' and m == 'main':
                    return
                edges[m].add(target)

        # use statements: record edges and aliases, then blank them out
        uses = list(re.finditer(r'\buse\s+([^;]*);', text))
        for u in uses:
            for segs, name in use_leaves(u.group(1)):
                if not segs:
                    continue
                abs_segs = absolute(segs, u.start())
                add(abs_segs)
                if name and abs_segs is not None:
                    aliases[name] = abs_segs
        body = text
        for u in uses:
            body = body[:u.start()] + ' ' * (u.end() - u.start()) + body[u.end():]
        # `mod x;` declarations are not imports
        body = re.sub(r'\bmod\s+' + IDENT + r'\s*;', lambda x: ' ' * len(x.group(0)), body)
        for p in re.finditer(r'(?<![\w:])(\$?' + IDENT + r')((?:\s*::\s*' + IDENT + r')+)', body):
            segs = [p.group(1)] + [s.strip() for s in p.group(2).split('::') if s.strip()]
            add(absolute(segs, p.start()))
    return mods, edges


def circles(mods, edges):
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            c = []
            while True:
                w = stack.pop()
                on.discard(w)
                c.append(w)
                if w == v:
                    break
            if len(c) > 1:
                found.append(sorted(c))

    for v in sorted(mods):
        if v not in index:
            strong(v)
    return found


def name(m):
    return m or '(crate root)'


if __name__ == '__main__':
    root = sys.argv[1] if len(sys.argv) > 1 else 'src'
    mode = sys.argv[2] if len(sys.argv) > 2 else ''
    crate_name = 'iconocast'
    cargo = os.path.join(os.path.dirname(os.path.abspath(root)), 'Cargo.toml')
    if os.path.exists(cargo):
        with open(cargo) as fh:
            found = re.search(r'^name\s*=\s*"([^"]+)"', fh.read(), re.M)
            if found:
                crate_name = found.group(1).replace('-', '_')
    mods, edges = graph(root)
    if mode == 'top':
        top = {}
        for a, es in edges.items():
            ta = a.split('::')[0]
            top.setdefault(ta, set())
            for b in es:
                tb = b.split('::')[0]
                if tb != ta:
                    top[ta].add(tb)
        edges, mods = top, set(top)
    if mode == 'edges':
        for a in sorted(mods):
            print(name(a), '->', ', '.join(name(b) for b in sorted(edges[a])))
        sys.exit(0)
    sccs = circles(mods, edges)
    print(f'{len(mods)} modules, {sum(len(e) for e in edges.values())} edges, {len(sccs)} circles')
    for c in sccs:
        print('circle:', ' '.join(name(x) for x in c))
        for a in c:
            print('   ', name(a), '->', ', '.join(name(x) for x in sorted(edges[a]) if x in c))
    sys.exit(1 if sccs else 0)
