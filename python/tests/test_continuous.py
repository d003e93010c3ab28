"""Continuous control in the bindings: environments against an independent
numpy re-implementation of Gymnasium's dynamics, the Gaussian policy against
its formulas, Monte-Carlo returns and REINFORCE against the linear-quadratic
system's exact values, the Monte-Carlo objective (common random numbers,
pickling, thread independence, probes) and errors."""

import math
import pickle

import numpy as np
import pytest

import policy_landscape as pl


# --- independent re-implementations of Gymnasium 1.4.0 ----------------------


def angle_normalize(x):
    return ((x + np.pi) % (2 * np.pi)) - np.pi


def pendulum_step(th, thdot, u, g=10.0):
    """Pendulum-v1's step on a float64 state and a float64 torque."""
    m, l, dt, max_speed, max_torque = 1.0, 1.0, 0.05, 8.0, 2.0
    u = np.clip(np.float64(u), -max_torque, max_torque)
    costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
    newthdot = thdot + (3 * g / (2 * l) * np.sin(th) + 3.0 / (m * l**2) * u) * dt
    newthdot = np.clip(newthdot, -max_speed, max_speed)
    newth = th + newthdot * dt
    obs = np.array([np.cos(newth), np.sin(newth), newthdot], dtype=np.float32)
    return newth, newthdot, obs, -costs


def mountain_car_step(state, action):
    """MountainCarContinuous-v0's step, numpy scalars and all (NEP 50)."""
    min_action, max_action = -1.0, 1.0
    min_position, max_position, max_speed = -1.2, 0.6, 0.07
    goal_position, goal_velocity, power = 0.45, 0.0, 0.0015
    position, velocity = state[0], state[1]
    force = min(max(action[0], min_action), max_action)
    velocity += force * power - 0.0025 * math.cos(3 * position)
    if velocity > max_speed:
        velocity = max_speed
    if velocity < -max_speed:
        velocity = -max_speed
    position += velocity
    if position > max_position:
        position = max_position
    if position < min_position:
        position = min_position
    if position == min_position and velocity < 0:
        velocity = 0
    terminated = bool(position >= goal_position and velocity >= goal_velocity)
    reward = 100.0 if terminated else 0.0
    reward -= math.pow(action[0], 2) * 0.1
    return np.array([position, velocity], dtype=np.float32), reward, terminated


# --- environments ------------------------------------------------------------


def test_pendulum_matches_numpy_and_is_deterministic():
    env = pl.Pendulum()
    assert (env.observation_dim, env.action_dim) == (3, 1)
    assert env.max_episode_steps == 200 and env.action_bounds == (-2.0, 2.0)
    obs = env.reset(7)
    th, thdot = env.state
    assert -np.pi <= th < np.pi and -1.0 <= thdot < 1.0
    np.testing.assert_array_equal(
        obs, np.array([np.cos(th), np.sin(th), thdot], dtype=np.float32)
    )
    actions = [0.3, -1.7, 2.5, -4.0, 1.0, 0.0, -0.25, 1.9]
    for u in actions:
        th, thdot, want_obs, want_r = pendulum_step(th, thdot, u)
        o, r, term, trunc = env.step(np.array([u]))
        assert o.dtype == np.float64 and o.shape == (3,)
        np.testing.assert_allclose(env.state, [th, thdot], rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(o, want_obs, rtol=0, atol=1e-6)
        assert r == pytest.approx(want_r, rel=1e-13)
        assert not term and not trunc
    # Same seed, same episode, bit for bit.
    a, b = pl.Pendulum(), pl.Pendulum()
    np.testing.assert_array_equal(a.reset(3, 2), b.reset(3, 2))
    for u in actions:
        sa, sb = a.step(u), b.step([u])
        np.testing.assert_array_equal(sa[0], sb[0])
        assert sa[1] == sb[1]
    assert not np.array_equal(pl.Pendulum().reset(3, 2), pl.Pendulum().reset(3, 3))


def test_pendulum_gravity_set_state_and_time_limit():
    env = pl.Pendulum(g=9.81)
    assert env.g == 9.81
    env.set_state([np.pi, 0.0])
    th, thdot, want_obs, want_r = pendulum_step(np.pi, 0.0, 0.5, g=9.81)
    o, r, _, _ = env.step(0.5)
    np.testing.assert_allclose(env.state, [th, thdot], rtol=1e-14)
    assert r == pytest.approx(want_r, rel=1e-14)
    env.reset(0)
    for k in range(200):
        _, _, term, trunc = env.step(0.0)
        assert not term and trunc == (k == 199)
    assert env.elapsed_steps == 200


def test_mountain_car_matches_numpy_and_reaches_the_goal():
    env = pl.MountainCarContinuous()
    assert (env.observation_dim, env.action_dim) == (2, 1)
    assert env.max_episode_steps == 999 and env.action_bounds == (-1.0, 1.0)
    obs = env.reset(11)
    assert not env.state_is_float32
    state = np.array(env.state, dtype=np.float64)  # float64 after reset
    assert -0.6 <= state[0] < -0.4 and state[1] == 0.0
    np.testing.assert_array_equal(obs, state.astype(np.float32))
    for a in [0.5, -1.0, 1.7, -0.3, 0.0, 1.0, -2.0, 0.9]:
        state, want_r, want_term = mountain_car_step(state, np.array([a], dtype=np.float64))
        o, r, term, trunc = env.step([a])
        np.testing.assert_allclose(o, state, rtol=0, atol=1e-7)
        assert r == pytest.approx(want_r, rel=1e-12, abs=1e-15)
        assert term == want_term and not trunc
        assert env.state_is_float32
    # Swing along the velocity: the goal is reached, with its reward.
    env.reset(3)
    v, total = 0.0, 0.0
    for _ in range(999):
        o, r, term, trunc = env.step(1.0 if v >= 0 else -1.0)
        v, total = o[1], total + r
        if term or trunc:
            break
    assert term and o[0] >= 0.45 and total > 80.0


def test_mountain_car_clip_and_set_state():
    plain, clipped = pl.MountainCarContinuous(), pl.MountainCarContinuous(clip=True)
    assert clipped.clip == (-1.0, 1.0) and plain.clip is None
    plain.reset(5)
    clipped.reset(5)
    # The unclipped action is charged -0.1 a^2; the clipped one acts as 1.
    _, r_plain, _, _ = plain.step(3.0)
    _, r_clip, _, _ = clipped.step(3.0)
    assert r_plain == pytest.approx(-0.9) and r_clip == pytest.approx(-0.1)
    np.testing.assert_array_equal(plain.state, clipped.state)
    env = pl.MountainCarContinuous()
    env.set_state([-1.19, -0.05], float32=True)
    o, r, term, _ = env.step(-1.0)
    np.testing.assert_array_equal(o, np.array([-1.2, 0.0], dtype=np.float32))
    assert not term and r == pytest.approx(-0.1)


def test_rollouts_replay_manual_episodes():
    """reset(seed, e) starts episode e of a batch: a deterministic policy
    stepped by hand gives mean_return's value."""
    env = pl.Pendulum()
    pi = pl.Gaussian(3, sigma=0.0)
    pi.init_glorot(4)
    gamma, seed = 0.99, 12
    returns = []
    for e in range(3):
        obs, ret, disc = env.reset(seed, e), 0.0, 1.0
        while True:
            obs, r, term, trunc = env.step(pi.mean(obs))
            ret += disc * r
            disc *= gamma
            if term or trunc:
                break
        returns.append(ret)
    value, se = pl.mean_return(env, pi, episodes=3, gamma=gamma, seed=seed)
    assert value == pytest.approx(np.mean(returns), rel=1e-12)
    assert se == pytest.approx(np.std(returns, ddof=1) / np.sqrt(3), rel=1e-9)


# --- the Gaussian policy -----------------------------------------------------


def test_gaussian_formulas():
    pi = pl.Gaussian(3, sigma=0.7, params=[0.5, -1.0, 0.25, 0.1])
    assert (pi.observation_dim, pi.action_dim, pi.num_params, pi.bias) == (3, 1, 4, True)
    s = np.array([0.2, -0.4, 1.5])
    mu = 0.5 * 0.2 + 1.0 * 0.4 + 0.25 * 1.5 + 0.1
    np.testing.assert_allclose(pi.mean(s), [mu], rtol=1e-15)
    a = 0.9
    want = -((a - mu) ** 2) / (2 * 0.49) - np.log(0.7) - 0.5 * np.log(2 * np.pi)
    assert pi.log_prob(s, [a]) == pytest.approx(want, rel=1e-14)
    np.testing.assert_allclose(
        pi.score(s, a), (a - mu) / 0.49 * np.array([0.2, -0.4, 1.5, 1.0]), rtol=1e-14
    )
    assert pi.entropy() == pytest.approx(0.5 * np.log(2 * np.pi * np.e * 0.49), rel=1e-14)
    w, b = pi.weights()
    np.testing.assert_array_equal(w, [[0.5], [-1.0], [0.25]])
    np.testing.assert_array_equal(b, [0.1])
    # Batches.
    rng = np.random.default_rng(0)
    S = rng.normal(size=(5, 3))
    A = rng.normal(size=5)
    M = S @ np.array([0.5, -1.0, 0.25]) + 0.1
    np.testing.assert_allclose(pi.mean(S)[:, 0], M, rtol=1e-14)
    lp = -((A - M) ** 2) / (2 * 0.49) - np.log(0.7) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(pi.log_prob(S, A), lp, rtol=1e-13)
    np.testing.assert_allclose(pi.log_prob(S, A[:, None]), lp, rtol=1e-13)
    assert pi.score(S, A).shape == (5, 4)
    # Samples: mean mu, standard deviation sigma; sigma = 0 is the mean.
    x = pi.sample(np.tile(s, (20000, 1)), seed=1)[:, 0]
    assert abs(x.mean() - mu) < 4 * 0.7 / np.sqrt(20000)
    assert x.std() == pytest.approx(0.7, rel=0.03)
    np.testing.assert_array_equal(pi.sample(S, 5), pi.sample(S, 5))
    pi.sigma = 0.0
    assert pi.is_deterministic
    np.testing.assert_array_equal(pi.sample(s, 3), pi.mean(s))


def test_gaussian_linear_init_and_pickle():
    pi = pl.Gaussian(2, bias=False, sigma=0.3)
    assert pi.num_params == 2 and pi.weights()[1] is None
    pi.init_glorot(9)
    limit = np.sqrt(6 / 3)
    assert np.all(np.abs(pi.params) < limit) and np.any(pi.params != 0)
    q = pl.Gaussian(2, bias=True)
    q.init_glorot(9)
    np.testing.assert_array_equal(q.params[:2], pi.params)  # same draws
    assert q.params[2] == 0.0  # zero bias
    r = pickle.loads(pickle.dumps(pi))
    assert r == pi and r.sigma == 0.3 and r.params.tolist() == pi.params.tolist()
    assert pl.Gaussian.for_env(pl.MountainCarContinuous()).num_params == 3


# --- Monte-Carlo returns and REINFORCE against the exact LQ values -----------


LQ = dict(a=0.9, b=0.5, horizon=10)


def lq_setup():
    env = pl.LinearQuadratic(**LQ, noise=0.3, m0=0.5, v0=0.8)
    pi = pl.Gaussian(1, sigma=0.5, params=[-0.4, 0.2])
    return env, pi


def test_lq_exact_return_by_hand():
    env = pl.LinearQuadratic(**LQ)
    zero = pl.Gaussian(1, bias=False, sigma=0.0)
    want = -sum(0.81**t for t in range(10))
    assert env.expected_return(zero, 1.0) == pytest.approx(want, rel=1e-13)
    j, dk, db = env.exact_return(0.0, 0.0, 0.0, 1.0)
    assert j == pytest.approx(want, rel=1e-13) and db == 0.0
    np.testing.assert_allclose(env.expected_gradient(zero, 1.0), [dk])


def test_mean_return_and_gradient_match_exact_lq():
    env, pi = lq_setup()
    gamma = 0.95
    value, se = pl.mean_return(env, pi, episodes=4000, gamma=gamma, seed=1)
    exact = env.expected_return(pi, gamma)
    assert se > 0 and abs(value - exact) < 4 * se
    grad, rep = pl.reinforce_gradient(env, pi, episodes=4000, gamma=gamma, seed=2)
    exact_g = env.expected_gradient(pi, gamma)
    assert grad.shape == (2,) and rep["std_error"].shape == (2,)
    assert np.all(np.abs(grad - exact_g) < 4 * rep["std_error"])
    assert rep["episodes"] == 4000 and rep["steps"] == 40000
    assert rep["return_std_error"] > 0
    g2, rep2 = pl.reinforce_gradient(
        env, pi, episodes=64, gamma=gamma, estimator="normalized"
    )
    assert rep2["std_error"] is None and np.all(np.isfinite(g2))


def test_results_do_not_depend_on_threads():
    env, pi = lq_setup()
    one = pl.mean_return(env, pi, episodes=50, gamma=0.9, seed=3, threads=1)
    two = pl.mean_return(env, pi, episodes=50, gamma=0.9, seed=3, threads=2)
    assert one == two
    g1, r1 = pl.reinforce_gradient(env, pi, episodes=50, seed=4, threads=1)
    g2, r2 = pl.reinforce_gradient(env, pi, episodes=50, seed=4, threads=2)
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(r1["std_error"], r2["std_error"])
    assert r1["mean_return"] == r2["mean_return"]


def test_train_sgd_improves_and_records():
    env = pl.LinearQuadratic(0.95, 0.4, 25)
    start = pl.Gaussian(1, sigma=0.4)
    before = env.expected_return(start, 0.97)
    runs = []
    for threads in (1, 2):
        pi = start.copy()
        out = pl.train_sgd(
            env, pi, learning_rate=0.01, updates=30, episodes=16, gamma=0.97,
            seed=100, eval_every=10, eval_episodes=8, curvature_every=15,
            curvature_alpha=0.05, curvature_directions=6, curvature_episodes=8,
            threads=threads,
        )
        np.testing.assert_array_equal(out["params"], pi.params)
        runs.append(out)
    a, b = runs
    assert a["updates"] == 30 and a["update"].tolist() == list(range(30))
    for key in ("params", "batch_return", "grad_norm", "deterministic_return", "curvature"):
        np.testing.assert_array_equal(a[key], b[key])
    assert a["deterministic_update"].tolist() == [0, 10, 20]
    assert a["final_deterministic"] is not None
    assert set(a["curvature_update"].tolist()) <= {0, 15}
    trained = pl.Gaussian(1, sigma=0.4, params=a["params"])
    assert env.expected_return(trained, 0.97) > before


# --- the Monte-Carlo objective -----------------------------------------------


def pendulum_objective(**kw):
    env = pl.Pendulum(clip=True)
    pi = pl.Gaussian(3, sigma=0.5)
    pi.init_glorot(0)
    args = dict(episodes=4, gamma=0.99, seed=5)
    args.update(kw)
    return pl.MonteCarloObjective(env, pi, **args), env, pi


def test_monte_carlo_objective_common_random_numbers_and_pickle():
    obj, env, pi = pendulum_objective()
    assert isinstance(obj, pl.Objective) and obj.dim == 4
    theta = pi.params + 0.1
    v1, v2 = obj.evaluate(theta), obj.evaluate(theta)
    assert v1 == v2 and v1[1] > 0
    assert obj(theta) == v1[0]
    p = pi.copy()
    p.params = theta
    assert pl.mean_return(env, p, episodes=4, gamma=0.99, seed=5) == v1
    back = pickle.loads(pickle.dumps(obj))
    assert back.evaluate(theta) == v1
    assert (back.episodes, back.gamma, back.seed, back.threads) == (4, 0.99, 5, 1)
    assert back.env.clip == (-2.0, 2.0)
    threaded, _, _ = pendulum_objective(threads=2)
    assert threaded.evaluate(theta) == v1
    assert pickle.loads(pickle.dumps(threaded)).evaluate(theta) == v1


def test_probe_and_interpolate_a_monte_carlo_objective():
    obj, _, pi = pendulum_objective()
    theta0 = pi.params
    acc = pl.probe(obj, theta0, 0.1, 1, 6)
    assert acc.count == 6
    assert acc.verdict().kind in {
        "LocalMaximum", "LocalMinimum", "Saddle", "Linear", "Flat", "Undetermined"
    }
    assert acc.base == obj(theta0) and acc.base_error > 0
    pairs = pl.probe_pairs(obj, theta0, 0.1, 1, 0, 6, acc.base, base_error=acc.base_error)
    again = pl.Accumulator(0.1, 4, acc.base, base_error=acc.base_error)
    again.push_pairs(pairs["d_plus"], pairs["d_minus"], pairs["se_plus"], pairs["se_minus"])
    assert again == acc
    a, v, se = pl.interpolate(obj, theta0, theta0 + 0.2, 3)
    assert v[0] == obj(theta0) and np.all(se > 0)


# --- errors ------------------------------------------------------------------


def test_errors_carry_the_core_messages():
    with pytest.raises(pl.ShapeError, match="1 to 3 observations"):
        pl.Gaussian(4)
    with pytest.raises(pl.InvalidParameterError, match="sigma must be finite and non-negative"):
        pl.Gaussian(3, sigma=-1.0)
    with pytest.raises(pl.InvalidParameterError, match=r"theta\[1\] is not finite"):
        pl.Gaussian(1, params=[0.0, np.nan])
    with pytest.raises(pl.ShapeError, match=r"params must have shape \(2,\)"):
        pl.Gaussian(1, params=[0.0, 1.0, 2.0])
    pi = pl.Gaussian(3, sigma=0.0)
    with pytest.raises(pl.InvalidParameterError, match="sigma must be positive"):
        pi.log_prob([0.0, 0.0, 0.0], 1.0)
    with pytest.raises(pl.ShapeError, match="obs must have shape"):
        pi.mean([1.0, 2.0])
    env = pl.Pendulum()
    with pytest.raises(pl.InvalidParameterError, match=r"action\[0\] is not finite"):
        env.step(np.nan)
    with pytest.raises(pl.ShapeError, match="action must have shape"):
        env.step([1.0, 2.0])
    with pytest.raises(pl.InvalidParameterError, match="g must be finite and non-negative"):
        pl.Pendulum(g=-1.0)
    with pytest.raises(pl.ShapeError, match="the policy takes 2 observations, Pendulum gives 3"):
        pl.mean_return(env, pl.Gaussian(2))
    with pytest.raises(pl.InvalidParameterError, match="episodes must"):
        pl.mean_return(env, pl.Gaussian(3), episodes=1)
    with pytest.raises(pl.PolicyLandscapeError, match="gamma"):
        pl.mean_return(env, pl.Gaussian(3), gamma=1.5)
    with pytest.raises(pl.InvalidParameterError, match="estimator must be"):
        pl.reinforce_gradient(env, pl.Gaussian(3), estimator="biased")
    with pytest.raises(pl.InvalidParameterError, match="sigma must be positive"):
        pl.reinforce_gradient(env, pl.Gaussian(3, sigma=0.0), episodes=2)
    with pytest.raises(pl.InvalidParameterError, match="episodes must"):
        pl.MonteCarloObjective(env, pl.Gaussian(3), episodes=1)
    obj = pl.MonteCarloObjective(env, pl.Gaussian(3), episodes=2)
    with pytest.raises(pl.ShapeError, match=r"theta must have shape \(4,\)"):
        obj.evaluate([0.0, 0.0])
    with pytest.raises(pl.InvalidParameterError, match=r"theta\[0\] is not finite"):
        obj.evaluate([np.nan, 0.0, 0.0, 0.0])
    with pytest.raises(pl.InvalidParameterError, match="no action box"):
        pl.LinearQuadratic(0.9, 0.5, 10, clip=True)
    with pytest.raises(pl.InvalidParameterError, match="low <= high"):
        pl.LinearQuadratic(0.9, 0.5, 10, clip=(1.0, -1.0))
    with pytest.raises(pl.InvalidParameterError, match="LQ horizon"):
        pl.LinearQuadratic(0.9, 0.5, 0)
    lq = pl.LinearQuadratic(0.9, 0.5, 10, clip=(-1.0, 1.0))
    with pytest.raises(pl.InvalidParameterError, match="unclipped"):
        lq.expected_return(pl.Gaussian(1), 0.9)
    with pytest.raises(pl.InvalidParameterError, match="learning_rate must"):
        pl.train_sgd(env, pl.Gaussian(3), learning_rate=-1.0, updates=1, episodes=2)
    with pytest.raises(pl.InvalidParameterError, match="threads must be at most"):
        pl.MonteCarloObjective(env, pl.Gaussian(3), threads=10**6)
    with pytest.raises(TypeError):
        pl.Env()
