"""Picklable stand-ins the Dask workers import (worker processes get the test run's sys.path)."""

from __future__ import annotations

import datetime as _dt
import os
import signal
from collections.abc import Mapping, Sequence
from typing import Any

from exportrules._screen import FixedScreener

KILL_SWITCH = "Kill Switch GmbH"
POISON = "Poison Pill Ltd"


class KillOnceScreener(FixedScreener):
    """Stated hits; the first worker process that screens ``KILL_SWITCH`` claims ``marker``
    (O_EXCL: exactly one process can), writes its pid there and SIGKILLs itself — a worker
    lost mid-run, as to the OOM killer, at a known record. Every later call just screens."""

    def __init__(self, marker: str, hits: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(hits)
        self.marker = marker

    def screen(
        self, name: str, country: str | None = None, *, as_of: _dt.date | None = None
    ) -> list[Mapping[str, Any]]:
        if name == KILL_SWITCH:
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)
        return super().screen(name, country, as_of=as_of)


class PoisonScreener(FixedScreener):
    """Kills the process that screens ``POISON``, every time: a record that crashes the
    interpreter (a native extension fault)."""

    def __init__(self) -> None:
        super().__init__([])

    def screen(
        self, name: str, country: str | None = None, *, as_of: _dt.date | None = None
    ) -> list[Mapping[str, Any]]:
        if name == POISON:
            os._exit(1)
        return []
