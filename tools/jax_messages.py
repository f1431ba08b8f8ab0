"""Which of the tutor's error wordings exist in which JAX release.

The classifier's message table (``jittutor/diagnosis/messages.yaml``) claims,
for every wording JAX itself raises, the first and last release it appears in.
This script checks those claims against the released source: it reads JAX's
``.py`` files straight out of downloaded wheels (or sdists), keeps the string
literals that are not docstrings (an f-string's ``{...}`` becomes ``{}``), and
looks for each row's ``jax`` fragments in them.

It runs offline against a folder of wheels. Fetch them once, e.g.::

    mkdir -p /tmp/jax-wheels
    for v in 0.4.30 0.4.31 0.4.33 0.4.34 0.4.35 0.4.36 0.4.37 0.4.38 \\
             0.5.0 0.5.1 0.5.2 0.5.3 0.6.0 0.6.1 0.6.2 0.7.0 0.7.1 0.7.2 \\
             0.8.0 0.8.1 0.8.2 0.8.3 0.9.0 0.9.0.1 0.9.1 0.9.2 0.10.0 0.10.1 0.10.2; do
        pip download "jax==$v" --no-deps -d /tmp/jax-wheels
    done

(``python tools/jax_messages.py --fetch-commands`` prints that list; ``pip
index versions jax`` shows what exists.) Then::

    python tools/jax_messages.py /tmp/jax-wheels            # the report
    python tools/jax_messages.py /tmp/jax-wheels --check    # exit 1 on a wrong claim
    python tools/jax_messages.py /tmp/jax-wheels --grep "must have identical types"
    python tools/jax_messages.py --installed --check        # the JAX in this environment

Parsed literals are cached next to the wheels (``.jax_messages_cache/``), so a
second run takes seconds. Never commit JAX's code: the wheels stay in /tmp.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jittutor.diagnosis.messages import (  # noqa: E402 - after the path fix, so a checkout runs it
    MessageRow,
    claimed_present,
    load_rows,
    version_key,
)

#: The releases the table was built from (``pip index versions jax``, newest 0.10.2).
RELEASES = (
    "0.4.30 0.4.31 0.4.33 0.4.34 0.4.35 0.4.36 0.4.37 0.4.38 "
    "0.5.0 0.5.1 0.5.2 0.5.3 0.6.0 0.6.1 0.6.2 0.7.0 0.7.1 0.7.2 "
    "0.8.0 0.8.1 0.8.2 0.8.3 0.9.0 0.9.0.1 0.9.1 0.9.2 0.10.0 0.10.1 0.10.2"
).split()

CACHE_VERSION = "1"
_PLACEHOLDER = re.compile(r"\{[^{}\n]*\}")
_SPACE = re.compile(r"\s+")
_ARCHIVE = re.compile(r"^jax-(?P<version>\d+(?:\.\d+)+)(?:-py3-none-any\.whl|\.tar\.gz)$")


def _render(node: ast.AST) -> str | None:
    """A string expression as text, with ``{}`` for every formatted part."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _PLACEHOLDER.sub("{}", node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}" for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _render(node.left), _render(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, (ast.Constant, ast.JoinedStr)):
                found.add(id(body[0].value))
    return found


def source_literals(source: str) -> list[str]:
    """The non-docstring string literals of one ``.py`` file, whitespace collapsed.

    Docstrings are left out because JAX's (``jax/_src/errors.py``) quote the
    messages of older versions; only text that can be raised counts.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [_SPACE.sub(" ", source)]  # a file this Python cannot parse: search it as text
    skip = _docstrings(tree)
    literals: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        text = _render(node)
        if text is None:
            continue
        skip.update(id(child) for child in ast.walk(node) if child is not node)
        literals.append(_SPACE.sub(" ", text))
    return literals


def _archive_sources(path: Path) -> Iterator[str]:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("jax/") and name.endswith(".py"):
                    yield archive.read(name).decode("utf-8", "replace")
    else:
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                parts = member.name.split("/")
                if member.isfile() and len(parts) > 2 and parts[1] == "jax" and member.name.endswith(".py"):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        yield handle.read().decode("utf-8", "replace")


def _directory_sources(package_dir: Path) -> Iterator[str]:
    for path in sorted(package_dir.rglob("*.py")):
        yield path.read_text(encoding="utf-8", errors="replace")


def literals_of(sources: Iterable[str]) -> str:
    """All literals of a release as one searchable text, one literal a line."""
    return "\n".join(lit for source in sources for lit in source_literals(source))


@dataclass
class Release:
    version: str
    text: str  # literals_of(...) of the release's jax package


def _cached(path: Path) -> str:
    stat = path.stat()
    key = hashlib.sha1(f"{CACHE_VERSION}:{path.name}:{stat.st_size}".encode()).hexdigest()[:16]
    cache = path.parent / ".jax_messages_cache" / f"{path.name}.{key}.txt"
    if cache.exists():
        return cache.read_text(encoding="utf-8")
    text = literals_of(_archive_sources(path))
    cache.parent.mkdir(exist_ok=True)
    cache.write_text(text, encoding="utf-8")
    return text


def load_releases(folder: Path) -> list[Release]:
    """Every ``jax-X.whl`` / ``jax-X.tar.gz`` in ``folder``, oldest first (a wheel wins over an sdist)."""
    archives: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        m = _ARCHIVE.match(path.name)
        if m and (m["version"] not in archives or path.suffix == ".whl"):
            archives[m["version"]] = path
    return [Release(v, _cached(archives[v])) for v in sorted(archives, key=version_key)]


def installed_release() -> Release:
    """The JAX installed in this environment, read as text (never imported)."""
    from importlib import metadata, util

    spec = util.find_spec("jax")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("jax is not installed in this environment")
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    return Release(metadata.version("jax"), literals_of(_directory_sources(package_dir)))


def occurs(row: MessageRow, text: str) -> bool:
    """All of ``row``'s fragments occur in a release's literals."""
    return bool(row.jax) and all(_SPACE.sub(" ", fragment) in text for fragment in row.jax)


def _span(versions: list[str]) -> str:
    return f"{versions[0]} .. {versions[-1]}" if versions else "-"


def report(rows: list[MessageRow], releases: list[Release]) -> tuple[list[str], int]:
    """Lines of the report and the number of wrong claims."""
    lines = [f"releases read: {', '.join(r.version for r in releases)}", ""]
    wrong = 0
    for n, row in enumerate(rows, 1):
        head = f"{n:3d}. {row.kind:<20} {row.pattern.pattern[:70]}"
        if not row.jax:
            lines.append(f"{head}\n      not JAX's text ({row.origin}); claimed {row.first} .. {row.last}")
            continue
        seen = [r.version for r in releases if occurs(row, r.text)]
        claims = [(r.version, claimed_present(row, r.version)) for r in releases]
        bad = [
            f"{version} ({'absent' if claim else 'present'})"
            for version, claim in claims
            if claim is not None and claim != (version in seen)
        ]
        wrong += bool(bad)
        gaps = len(seen) and len(seen) != (
            [r.version for r in releases].index(seen[-1]) - [r.version for r in releases].index(seen[0]) + 1
        )
        lines.append(
            f"{head}\n      seen {_span(seen)}{' (with gaps)' if gaps else ''}; claimed {row.first} .. {row.last}"
            + (f"\n      WRONG CLAIM in {', '.join(bad)}" if bad else "")
        )
    return lines, wrong


def grep(needles: list[str], releases: list[Release]) -> list[str]:
    lines = []
    for needle in needles:
        seen = [r.version for r in releases if _SPACE.sub(" ", needle) in r.text]
        lines.append(f"{needle!r}: {', '.join(seen) or 'in no release read'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheels", nargs="?", type=Path, help="folder of downloaded jax wheels or sdists")
    parser.add_argument("--installed", action="store_true", help="read the JAX installed here instead")
    parser.add_argument("--check", action="store_true", help="exit 1 when a row's claimed versions are wrong")
    parser.add_argument("--grep", action="append", default=[], metavar="TEXT", help="releases whose literals hold TEXT")
    parser.add_argument("--json", action="store_true", help="per row, the releases it was seen in")
    parser.add_argument("--fetch-commands", action="store_true", help="print the pip commands that fetch the wheels")
    args = parser.parse_args(argv)

    if args.fetch_commands:
        print("mkdir -p /tmp/jax-wheels")
        for version in RELEASES:
            print(f"pip download 'jax=={version}' --no-deps -d /tmp/jax-wheels")
        return 0
    if args.installed:
        releases = [installed_release()]
    elif args.wheels is not None and args.wheels.is_dir():
        releases = load_releases(args.wheels)
    else:
        parser.error("give a folder of jax wheels (see --fetch-commands) or --installed")
    if not releases:
        parser.error(f"{args.wheels}: no jax-*.whl or jax-*.tar.gz files (see --fetch-commands)")

    if args.grep:
        print("\n".join(grep(args.grep, releases)))
        return 0
    rows = load_rows()
    if args.json:
        table = [
            {"kind": row.kind, "pattern": row.pattern.pattern, "first": row.first, "last": row.last,
             "seen": [r.version for r in releases if occurs(row, r.text)]}
            for row in rows
        ]  # fmt: skip
        print(json.dumps(table, indent=2))
        return 0
    lines, wrong = report(rows, releases)
    print("\n".join(lines))
    print(f"\n{len(rows)} rows, {wrong} with a wrong version claim")
    return 1 if (args.check and wrong) else 0


if __name__ == "__main__":
    raise SystemExit(main())
