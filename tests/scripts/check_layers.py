#!/usr/bin/env python3
"""Checks that every `#include "..."` under src/ points down the layer stack
(docs/architecture.md):

    app -> cli -> server -> http -> core <- storage, ingest
    crypto and platform: leaf utilities every layer may use (they use nothing else)

A layer may include its own headers and those of the layers it lists below.
Some layers are reached only through their public headers: outside storage/,
only the storage facade (open_store.h, db_admin.h, db_lock.h), never a
backend (storage/sqlite, storage/postgres, storage/sql) or the migrations;
the CLI reaches http/ only for the problem-type registry (the API's error
contract, which its client maps back to error codes).

Usage: check_layers.py [SRC_DIR]   (default: the src/ beside this script's repo)
Prints one line per wrong include and exits 1 if there are any.
"""
import pathlib
import re
import sys

# layer -> the layers its files may include (besides its own).
MAY_INCLUDE = {
    "app": {"cli", "platform", "crypto"},
    "cli": {"server", "http", "core", "storage", "ingest", "crypto", "platform"},
    "server": {"http", "core", "storage", "ingest", "crypto", "platform"},
    "http": {"core", "ingest", "crypto", "platform"},
    "ingest": {"core", "crypto"},
    "storage": {"core", "crypto", "platform"},
    "core": {"crypto"},
    "crypto": set(),
    "platform": set(),
}

# Layers whose headers other layers may include only in part: layer -> the
# headers open to each outside layer ("*": every other layer).
PUBLIC_HEADERS = {
    "storage": {"*": {"storage/open_store.h", "storage/db_admin.h", "storage/db_lock.h"}},
    "http": {"cli": {"http/problem.h"}},
}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def problems(src: pathlib.Path):
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp", ".in") or not path.is_file():
            continue
        rel = path.relative_to(src)
        layer = rel.parts[0]
        if layer not in MAY_INCLUDE:
            yield f"{rel}: a file outside the known layers ({', '.join(sorted(MAY_INCLUDE))})"
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            where = f"{rel}:{no}: #include \"{target}\""
            if target.endswith(".cpp"):
                yield f"{where}: includes a source file"
                continue
            to = target.split("/", 1)[0]
            if "/" not in target or to not in MAY_INCLUDE:
                yield f"{where}: not a layer-qualified path (write \"<layer>/<file>.h\")"
                continue
            if to == layer:
                continue
            if to not in MAY_INCLUDE[layer]:
                allowed = ", ".join(sorted(MAY_INCLUDE[layer])) or "nothing"
                yield f"{where}: {layer}/ may not include {to}/ (it may include {allowed})"
                continue
            open_to = PUBLIC_HEADERS.get(to)
            if open_to is not None:
                public = open_to.get(layer, open_to.get("*"))
                if public is not None and target not in public:
                    shown = ", ".join(sorted(public)) or "none"
                    yield f"{where}: {layer}/ may include only these {to}/ headers: {shown}"


def main() -> int:
    src = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2] / "src"
    if not src.is_dir():
        print(f"check_layers: no source directory at {src}", file=sys.stderr)
        return 2
    found = list(problems(src))
    for p in found:
        print(p)
    files = sum(1 for p in src.rglob("*") if p.suffix in (".h", ".cpp", ".in"))
    print(f"check_layers: {files} files, {len(found)} include(s) pointing the wrong way")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
