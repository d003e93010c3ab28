"""An independent numpy implementation of the exact quantities.

Dense and direct, sharing nothing with the library: `P_pi` as a dense
matrix, `V` and `d` from `np.linalg.solve`, `Q` in the authors' convention
(`Q = R + tau H(s) + gamma P V`), `J_tau`, `J_true`, the entropies and the
exact gradient of eq. 3 with respect to the parameters in the torch
`nn.Linear` layout (`W[a][s]` row-major, then the bias `b[a]`), for the
policy `pi = (1 - mix) softmax(z) + mix / A`, `z[s][a] = W[a][s] + b[a]`.

The gradient goes through the softmax Jacobian `diag(p) - p p^T` of every
state and the chain rule to `W` and `b`; a test checks it against central
differences of `objective` below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def dense_from_sparse(p_sparse, n_states: int, n_actions: int) -> np.ndarray:
    """`P[s, a, s']` from `[s, a, s', p]` rows."""
    p = np.zeros((n_states, n_actions, n_states))
    for s, a, t, x in p_sparse:
        p[int(s), int(a), int(t)] += x
    return p


def split_theta(theta, n_states: int, n_actions: int, bias: bool = True):
    """`(W, b)` of a torch-layout vector (`b` zeros without a bias)."""
    theta = np.asarray(theta, dtype=np.float64)
    w = theta[: n_actions * n_states].reshape(n_actions, n_states)
    if bias:
        b = theta[n_actions * n_states :]
        assert b.shape == (n_actions,)
    else:
        assert theta.size == n_actions * n_states
        b = np.zeros(n_actions)
    return w, b


def logits(theta, n_states: int, n_actions: int, bias: bool = True) -> np.ndarray:
    """`z[s, a] = W[a, s] + b[a]`."""
    w, b = split_theta(theta, n_states, n_actions, bias)
    return w.T + b[None, :]


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def entropy(pi: np.ndarray) -> np.ndarray:
    """`H(pi(.|s))` per state (`0 ln 0 = 0`)."""
    safe = np.where(pi > 0, pi, 1.0)
    return -(pi * np.log(safe)).sum(axis=1)


@dataclass
class Exact:
    pi: np.ndarray  # (S, A), after mixing
    entropy: np.ndarray  # (S,)
    V: np.ndarray  # (S,)
    Q: np.ndarray  # (S, A)
    d: np.ndarray  # (S,), unnormalised occupancy
    J_tau: float
    J_true: float
    logit_gradient: np.ndarray  # (S, A)
    gradient: np.ndarray  # torch layout


def evaluate(P, R, p0, gamma, theta, tau=0.0, mix=0.0, bias=True) -> Exact:
    """Every exact quantity of the softmax policy `theta` (torch layout)."""
    P = np.asarray(P, dtype=np.float64)
    R = np.asarray(R, dtype=np.float64)
    p0 = np.asarray(p0, dtype=np.float64)
    n_states, n_actions = R.shape
    z = logits(theta, n_states, n_actions, bias)
    p = softmax(z)
    pi = (1.0 - mix) * p + mix / n_actions
    h = entropy(pi)
    p_pi = np.einsum("sa,sat->st", pi, P)
    m = np.eye(n_states) - gamma * p_pi
    r_pi = (pi * R).sum(axis=1)
    r_tau = r_pi + tau * h
    v = np.linalg.solve(m, r_tau)
    d = np.linalg.solve(m.T, p0)
    q = R + tau * h[:, None] + gamma * P @ v
    # Eq. 3 per state: d(s) sum_a dpi(a|s)/dz (Q(s, a) - tau ln pi(a|s));
    # the "+1" of dH/dpi and the tau H(s) inside Q vanish because the
    # columns of the Jacobian sum to 0.
    log_pi = np.log(np.where(pi > 0, pi, 1.0))
    # jac[s, a, b] = dpi(a|s)/dz[s, b] = (1 - mix) (p_a [a = b] - p_a p_b).
    jac = (1.0 - mix) * (np.eye(n_actions)[None] * p[:, :, None] - p[:, :, None] * p[:, None, :])
    g = d[:, None] * np.einsum("sab,sa->sb", jac, q - tau * log_pi)
    grad_w = g.T  # (A, S)
    parts = [grad_w.reshape(-1)]
    if bias:
        parts.append(g.sum(axis=0))
    return Exact(
        pi=pi,
        entropy=h,
        V=v,
        Q=q,
        d=d,
        J_tau=float(p0 @ v),
        J_true=float(d @ r_pi),
        logit_gradient=g,
        gradient=np.concatenate(parts),
    )


def objective(P, R, p0, gamma, theta, tau=0.0, mix=0.0, bias=True) -> float:
    """`J_tau` alone (for finite differences)."""
    return evaluate(P, R, p0, gamma, theta, tau, mix, bias).J_tau


def central_differences(f, theta, h=1e-5) -> np.ndarray:
    theta = np.asarray(theta, dtype=np.float64)
    out = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        out[i] = (f(theta + e) - f(theta - e)) / (2 * h)
    return out
