"""A progress bar on stderr for long commands (an import's rows), and a stopwatch."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressBar", "elapsed"]

_WIDTH = 30


class ProgressBar:
    """Draws ``[#####.....]  50%  500/1000 rows`` on one line of ``err``, redrawn in place.

    Draws nothing unless ``shown``; `done` ends the line if one was drawn.
    """

    def __init__(self, err: TextIO, *, shown: bool) -> None:
        self._err = err
        self._shown = shown
        self._drawn = False
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        """Show ``done`` rows of ``total``; the import's ``progress`` callback."""
        if not self._shown or total <= 0:
            return
        percent = min(100, done * 100 // total)
        if percent == self._last and done != total:
            return
        self._last = percent
        filled = _WIDTH * percent // 100
        bar = "#" * filled + "." * (_WIDTH - filled)
        print(f"\r[{bar}] {percent:3d}%  {done}/{total} rows", end="", file=self._err, flush=True)
        self._drawn = True

    def done(self) -> None:
        """End the bar's line, if it drew one."""
        if self._drawn:
            print(file=self._err, flush=True)
            self._drawn = False


def elapsed(started: float) -> str:
    """Return the time since ``started`` (a `time.monotonic` reading) in words."""
    seconds = time.monotonic() - started
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"
