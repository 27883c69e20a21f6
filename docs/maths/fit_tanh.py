#!/usr/bin/env python3
"""Fits the rational tanh of lib/ops/x86/vec_maths.inl: tanh(x) ~ x*P(x^2)/Q(x^2) on [-8, 8],
P of degree 5 and Q of degree 3 in x^2, Q(0) = 1. Linearised least squares (x*P - t*Q = 0,
weighted by 1/Q of the last pass: Sanathanan-Koerner), then Lawson reweighting towards the
smallest largest error. Prints the coefficients and the largest error of the float32
evaluation the kernels do (Horner, clamped input). Needs numpy (Debian's python3-numpy):
    python3 docs/maths/fit_tanh.py
"""
import numpy as np

LIMIT, P_DEGREE, Q_DEGREE, NODES = 8.0, 5, 3, 60000

k = np.arange(NODES)
x = LIMIT * (1 - np.cos(np.pi * (k + 0.5) / NODES)) / 2  # Chebyshev nodes on [0, LIMIT]
t = np.tanh(x)
u = (x / LIMIT) ** 2  # x^2 scaled to [0, 1] for conditioning
A = np.concatenate([np.stack([x * u**i for i in range(P_DEGREE + 1)], 1),
                    np.stack([-t * u**i for i in range(1, Q_DEGREE + 1)], 1)], 1)
q_last, weight, best = np.ones_like(x), np.ones_like(x), None
for step in range(200):
    row_weight = weight / np.abs(q_last)
    solution = np.linalg.lstsq(A * row_weight[:, None], t * row_weight, rcond=None)[0]
    p, q = solution[:P_DEGREE + 1], np.concatenate([[1.0], solution[P_DEGREE + 1:]])
    q_values = np.polyval(q[::-1], u)
    error = x * np.polyval(p[::-1], u) / q_values - t
    if q_values.min() > 0 and (best is None or np.abs(error).max() < best[0]):
        best = (np.abs(error).max(), p.copy(), q.copy())
    q_last = q_values
    if step >= 20:  # Lawson: more weight where the error is large
        weight = weight * np.abs(error) ** 0.2
        weight /= weight.mean()
_, p, q = best
p = p / LIMIT ** (2 * np.arange(P_DEGREE + 1))  # coefficients of x^2
q = q / LIMIT ** (2 * np.arange(Q_DEGREE + 1))


def horner32(coefficients, z):
    value = np.float32(coefficients[-1])
    for c in coefficients[-2::-1]:
        value = (value * z + np.float32(c)).astype(np.float32)
    return value


xs = np.linspace(-20, 20, 4000001).astype(np.float32)
clamped = np.clip(xs, np.float32(-LIMIT), np.float32(LIMIT))
z = (clamped * clamped).astype(np.float32)
approx = (clamped * horner32(p, z)).astype(np.float32) / horner32(q, z)
print("P (x^0, x^2, ...):", ", ".join("%.9e" % c for c in p))
print("Q (x^0, x^2, ...):", ", ".join("%.9e" % c for c in q))
print("largest error in float32: %.2e" % np.abs(approx.astype(np.float64) - np.tanh(xs.astype(np.float64))).max())
