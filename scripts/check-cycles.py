#!/usr/bin/env python3
"""Fails when the engine's top-level modules (crates/sync/src/*) import each other in a cycle.

A module's dependencies are the `crate::X` paths (including `use crate::{X::.., Y}` groups and
`super::` chains that climb to the crate root) in its non-test code; a file's unit tests (from
a top-level `#[cfg(test)]` on) are left out, since a test may reach across layers. On success
it prints the modules in an order where each uses only modules before it, which is the layering
lib.rs describes.

Why a script of our own: `cargo modules dependencies --acyclic` would need a rust-analyzer
build on every fresh machine (minutes of compiling); this reads the sources in well under a
second and needs only the Python that Debian already has.
"""

import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "crates" / "sync" / "src"


def non_test_code(text: str) -> str:
    """The file without comments, string literals and its trailing #[cfg(test)] module."""
    m = re.search(r"^#\[cfg\(test\)\]\s*\n\s*mod\s+\w+", text, re.M)
    if m:
        text = text[: m.start()]
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return text


def module_path(path: pathlib.Path) -> list:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "mod":
        parts = parts[:-1]
    return parts


def top_level_refs(text: str, depth: int) -> set:
    refs = set()
    # `crate::{a::b, c}` groups: the names at the group's top level.
    for m in re.finditer(r"crate::\{", text):
        i, level, start, names = m.end(), 1, m.end(), []
        while i < len(text) and level:
            c = text[i]
            if c == "{":
                level += 1
            elif c == "}":
                level -= 1
            if (c == "," and level == 1) or level == 0:
                names.append(text[start:i])
                start = i + 1
            i += 1
        for n in names:
            n = n.strip()
            if n:
                refs.add(re.split(r"\W", n, maxsplit=1)[0])
    refs.update(re.findall(r"crate::(\w+)", text))
    # `super::super::x` from a file `depth` modules deep reaches the crate root at `depth` supers.
    for m in re.finditer(r"\b((?:super::)+)(\w+)", text):
        if m.group(1).count("super::") == depth:
            refs.add(m.group(2))
    return refs


def main() -> int:
    modules = {}
    for f in sorted(SRC.rglob("*.rs")):
        parts = module_path(f)
        if not parts or parts == ["lib"]:
            continue
        top = parts[0]
        deps = top_level_refs(non_test_code(f.read_text(encoding="utf-8")), len(parts))
        modules.setdefault(top, set()).update(deps)
    names = set(modules)
    graph = {m: sorted(d & names - {m}) for m, d in modules.items()}

    # Tarjan's strongly connected components: any with more than one module is a cycle.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            sccs.append(scc)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    cycles = [sorted(s) for s in sccs if len(s) > 1]
    if cycles:
        for c in cycles:
            print(f"import cycle among the engine's modules: {' <-> '.join(c)}", file=sys.stderr)
            for m in c:
                print(f"  {m} uses {', '.join(d for d in graph[m] if d in c)}", file=sys.stderr)
        return 1
    # Tarjan emits components dependencies-first: that is the layering, bottom up.
    print("engine modules, bottom up (no import cycle): " + " ".join(s[0] for s in sccs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
