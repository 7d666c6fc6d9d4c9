"""Deterministic, vectorised pseudo-randomness: the same (seed, stream, index) always gives the same
number, so a window asked twice returns the same values without storing anything."""
from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


def uniform(seed: int, stream: int, index) -> np.ndarray:
    """U[0,1) for each integer index."""
    idx = np.asarray(index, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = np.uint64((seed * 1_000_003 + stream * 7_919) & 0xFFFFFFFFFFFFFFFF)
        x = _mix(idx * _GOLD + key)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def normal(seed: int, stream: int, index) -> np.ndarray:
    u1 = np.maximum(uniform(seed, stream, index), 1e-12)
    u2 = uniform(seed, stream + 104_729, index)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def smooth(seed: int, stream: int, t: np.ndarray, period_s: float) -> np.ndarray:
    """Value noise: N(0,1) knots every period_s, cosine-interpolated between them."""
    pos = np.asarray(t, dtype=np.float64) / period_s
    k = np.floor(pos).astype(np.int64)
    frac = pos - k
    a, b = normal(seed, stream, k), normal(seed, stream, k + 1)
    w = (1 - np.cos(np.pi * frac)) / 2
    return a * (1 - w) + b * w


def poisson(seed: int, stream: int, index, lam) -> np.ndarray:
    """Poisson counts by inversion (lam small, as event rates per camera-hour are)."""
    u = uniform(seed, stream, index)
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
    k = np.zeros(u.shape, dtype=np.int64)
    p = np.exp(-lam)
    cdf = p.copy()
    for i in range(1, 40):
        more = u > cdf
        if not more.any():
            break
        k += more
        p = p * lam / i
        cdf = cdf + p
    return k
