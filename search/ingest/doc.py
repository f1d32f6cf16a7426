"""Old Word (.doc, Word 97–2003) with Debian's antiword, or catdoc when that is missing.

Both read the OLE2 file format; a file that starts with its signature is read here even
under a `.txt` name. Without either program the file is skipped with what to do instead.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from search.errors import SourceError
from search.ingest.extract import DOC, Extract, TextBuilder

MAX_BYTES = 50 * 2**20
TYPICAL = "a briefing issue is well under 5 MB"
TIMEOUT = 60  # seconds; both programs take well under one on a briefing
INSTALL = "apt-get install antiword (or catdoc), or convert it to .docx"
# -w 0: a paragraph on one line, not wrapped at 80 columns.
_COMMANDS = (("antiword", ["antiword", "-m", "UTF-8.txt", "-w", "0"]),
             ("catdoc", ["catdoc", "-d", "utf-8", "-w"]))


def read(path, raw: bytes, digest: str, options=None) -> Extract:
    available = [(name, argv) for name, argv in _COMMANDS if shutil.which(name)]
    if not available:
        raise SourceError(path, f"old Word .doc file and no reader for it is installed ({INSTALL})")
    with tempfile.NamedTemporaryFile(suffix=".doc") as tmp:
        tmp.write(raw)  # the bytes that were hashed, not the file, which may change meanwhile
        tmp.flush()
        problems = []
        for name, argv in available:
            try:
                done = subprocess.run(argv + [tmp.name], capture_output=True, timeout=TIMEOUT,
                                      env=dict(os.environ, LC_ALL="C.UTF-8"))
            except subprocess.TimeoutExpired:
                problems.append(f"{name} took over {TIMEOUT} s")
                continue
            text = done.stdout.decode("utf-8", "replace")
            if done.returncode == 0 and text.strip():
                return _extract(text, digest)
            said = done.stderr.decode("utf-8", "replace").replace(tmp.name, "the file").strip()
            problems.append(f"{name}: {said[:120] or 'no text'}")
    raise SourceError(path, "old Word .doc file that cannot be read (" + "; ".join(problems)
                            + "); convert it to .docx")


def _extract(text: str, digest: str) -> Extract:
    builder = TextBuilder()
    for line in text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"):
        builder.add_paragraph(line.strip())
    return Extract(text=builder.text(), encoding=DOC, sha256=digest, format=DOC)
