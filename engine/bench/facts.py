"""What every benchmark records beside its own measures: the machine, peak memory, and
latencies as percentiles."""

from __future__ import annotations

import platform
import resource
from pathlib import Path
from typing import Any

import numpy as np


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import os

    mem = (
        Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        if Path("/proc/meminfo").exists()
        else "?"
    )
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else "?"
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gib": round(int(mem) / 2**20, 1) if mem != "?" else "?",
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def peak_rss_mib() -> float:
    """The process's peak resident memory so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50, p99 and mean of per-query ``seconds``, in milliseconds (3 decimals)."""
    ms = 1000 * np.asarray(seconds)
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }
