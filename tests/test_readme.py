"""The README's module map ("How it is built") lists every module of the tree, and only those."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def mapped_paths() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    return [m.group(1) for m in re.finditer(r"^    (\S+)\s{2,}\S", section, re.M)]


def modules_with_code() -> set[str]:
    """Every module of search/ and webui/ but a docstring-only package marker."""
    out = set()
    for path in [*ROOT.glob("search/**/*.py"), *ROOT.glob("webui/**/*.py")]:
        body = ast.parse(path.read_text(encoding="utf-8")).body
        if path.name == "__init__.py" and all(isinstance(n, ast.Expr) for n in body):
            continue
        out.add(path.relative_to(ROOT).as_posix())
    return out


def test_module_map_lists_every_module_once():
    listed = mapped_paths()
    assert len(listed) == len(set(listed)), "listed twice"
    folders = tuple(p for p in listed if p.endswith("/"))
    missing = sorted(m for m in modules_with_code() if m not in listed and not m.startswith(folders))
    assert not missing, f"modules missing from the README's module map: {missing}"


def test_module_map_names_only_what_exists():
    gone = [p for p in mapped_paths() if not (ROOT / p).exists()]
    assert not gone, gone
