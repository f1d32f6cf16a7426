"""A progress bar for long work on a terminal; silent when output is not a terminal."""
from __future__ import annotations

import shutil
import sys
import time


class ProgressBar:
    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int, name: str = "") -> None:
        now = time.monotonic()
        if not self.enabled or (done < total and now - self._last < 0.05):
            return
        self._last = now
        width = shutil.get_terminal_size((80, 20)).columns
        bar_width = max(10, min(30, width - 40))
        filled = int(bar_width * done / total) if total else bar_width
        line = f"{self.label} [{'#' * filled}{'.' * (bar_width - filled)}] {done}/{total} {name}"
        self.stream.write("\r" + line[:width - 1].ljust(width - 1))
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
