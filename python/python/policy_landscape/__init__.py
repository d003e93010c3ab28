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

__all__ = [name for name in dir(_core) if not name.startswith("_")]
