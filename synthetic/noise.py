"""Per-pair noise of a true fit: a fixed hash of (seed, candidate, role), so f stays a function.

Both worlds add it to their true fit: the first as is (half-width ``PAIR_NOISE``), the careers
world scaled to its own half-width.

Example:
    >>> import numpy as np
    >>> a = pair_noise(7, np.array([0, 1]), np.array([3, 3]))
    >>> bool((a == pair_noise(7, np.array([0, 1]), np.array([3, 3]))).all())
    True
    >>> bool((np.abs(a) <= PAIR_NOISE).all())
    True
"""

from __future__ import annotations

import numpy as np

PAIR_NOISE = 0.04


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fixed, well-spread hash of uint64 values."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def pair_noise(seed: int, candidate: np.ndarray, role: np.ndarray) -> np.ndarray:
    """Uniform noise in [-PAIR_NOISE, PAIR_NOISE] that depends only on (seed, candidate, role)."""
    with np.errstate(over="ignore"):
        key = _mix(np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + candidate.astype(np.uint64))
        key = _mix(key ^ (role.astype(np.uint64) * np.uint64(0xD1B54A32D192ED03)))
    unit = (key >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return (2.0 * unit - 1.0) * PAIR_NOISE
