"""policy-landscape: exact policy evaluation, entropy-regularised policy
gradients and landscape probes (Ahmed et al., *Understanding the Impact of
Entropy on Policy Optimization*, ICML 2019), from a no_std Rust core.

Everything here is implemented in Rust (the extension module
``policy_landscape._core``); arrays are numpy float64, errors are
subclasses of :class:`PolicyLandscapeError` (a ``ValueError``) and every
call that evaluates, trains or probes with the library's own objectives
releases the GIL. The Ray layer is :mod:`policy_landscape.distributed`
(``pip install policy-landscape[ray]``).
"""

from ._core import *  # noqa: F401,F403
from ._core import __version__  # noqa: F401
from . import _core

__all__ = [name for name in dir(_core) if not name.startswith("_")] + [
    "PAPER_STATES",
    "PAPER_ACTIONS",
    "paper_threshold",
]

#: The paper's world: 26 states (5 x 5 cells and an absorbing state), 4
#: actions (left, right, up, down), 108 policy parameters with the bias.
PAPER_STATES, PAPER_ACTIONS = 26, 4


def paper_threshold() -> float:
    """Footnote 2's threshold on the paper's world: the return of always
    going down (to the 4.5 reward), ``4.5 * 0.99**4``. A run whose final
    true return is at most this is sub-optimal."""
    return deterministic_return(Mdp.paper(), [3] * PAPER_STATES)  # noqa: F405
