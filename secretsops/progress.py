"""A one-line progress bar on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Items (blobs, repositories) done out of those known, rate and time left, and a note
    (findings so far); redrawn at most ten times a second."""

    def __init__(self, enabled: bool, stream: TextIO | None = None, unit: str = "blobs") -> None:
        self.stream = stream or sys.stderr
        self.unit = unit
        self.enabled = enabled
        self.start = time.monotonic()
        self._last = 0.0
        self._drawn = False

    @classmethod
    def for_terminal(cls, quiet: bool, unit: str = "blobs") -> Progress:
        return cls(enabled=not quiet and sys.stderr.isatty(), unit=unit)

    def update(
        self, done: int, total: int, *, final_total: bool, force: bool = False, note: str = ""
    ) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        elapsed = max(now - self.start, 1e-6)
        rate = done / elapsed
        if final_total and rate > 0:
            left = max(total - done, 0) / rate
            eta = f"ETA {int(left) // 60}:{int(left) % 60:02d}"
        else:
            eta = "reading history"
        width = 30
        filled = int(width * done / total) if total else 0
        bar = "#" * filled + "-" * (width - filled)
        rate_text = f"{rate:,.0f}/s" if rate >= 10 else f"{rate:,.2f}/s"
        extra = f"{note}  " if note else ""
        self.stream.write(f"\r[{bar}] {done}/{total} {self.unit}  {rate_text}  {extra}{eta}  ")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False
