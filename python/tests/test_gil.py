"""Long calls release the GIL: while one thread is inside the library,
another thread runs Python code.

With the switch interval set very long, a thread holding the GIL is never
made to give it up, so the other thread can run only while the GIL is
released: inside a library call that releases it, and never inside one
that holds it (the control: a probe of a Python callable, which must hold
the GIL to call it)."""

import sys
import threading
import time

import pytest

import policy_landscape as pl


@pytest.fixture
def no_forced_switches():
    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    yield
    sys.setswitchinterval(old)


def progress_during(call):
    """How many times another thread ran Python code while `call` ran."""
    inside = threading.Event()
    done = threading.Event()
    count = [0]

    def spin():
        inside.wait()
        while not done.is_set():
            count[0] += 1
            time.sleep(0)  # gives the GIL back each time

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)  # let the thread reach inside.wait()
    inside.set()
    call()
    during = count[0]
    done.set()
    t.join()
    return during


def big_world():
    # 40 x 40 cells: 1601 states, solved with nested dissection.
    return pl.Mdp.gridworld(40, [(0, 39, 5.0), (39, 0, 4.5)], p_success=0.9)


def test_evaluation_releases_the_gil(no_forced_switches):
    mdp = big_world()
    policy = pl.Softmax.for_mdp(mdp)
    policy.init_like_torch(1)
    # A few milliseconds each; twenty give the other thread time to wake.
    assert progress_during(lambda: [pl.evaluate_exact(mdp, policy, 0.01) for _ in range(20)]) > 0


def test_training_and_probes_release_the_gil(no_forced_switches):
    mdp = big_world()
    policy = pl.Softmax.for_mdp(mdp)
    objective = pl.ExactObjective(mdp, policy, 0.0)
    assert progress_during(lambda: pl.probe(objective, policy.params, 0.5, 0, 10)) > 0
    config = pl.TrainConfig(0.1, 5)
    assert progress_during(lambda: pl.train_exact(mdp, policy, config)) > 0


def test_a_python_objective_holds_the_gil(no_forced_switches):
    # The control: the same measurement sees no progress when the call
    # holds the GIL throughout.
    def slow(theta):
        return -sum(x * x for x in theta for _ in range(2000))

    assert progress_during(lambda: pl.probe(slow, [0.1] * 50, 0.5, 0, 10)) == 0
