"""The hand-written stubs (`_core.pyi`) and the module agree: every public
name of the extension module is declared, every declared name exists, and
so do the classes' public members."""

import ast
import pathlib

import policy_landscape
from policy_landscape import _core

# Aliases that exist for typing only.
TYPING_ONLY = {"Array", "ObjectiveLike", "_Clip"}

# Declared always, present only in a build with the cargo feature `mujoco`.
FEATURE_GATED = {"Hopper", "Walker2d", "HalfCheetah"}


def gated_out():
    """The declared names this build does not have."""
    return set() if _core.HAS_MUJOCO else FEATURE_GATED


def stub_tree():
    path = pathlib.Path(policy_landscape.__file__).with_name("_core.pyi")
    assert path.exists(), f"{path} is not installed with the package"
    return ast.parse(path.read_text())


def public(names):
    return {n for n in names if not n.startswith("_")}


def test_every_public_name_is_declared_and_exists():
    tree = stub_tree()
    declared = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
        elif isinstance(node, ast.Assign):
            declared.update(t.id for t in node.targets if isinstance(t, ast.Name))
    declared -= TYPING_ONLY
    assert FEATURE_GATED <= declared
    assert public(dir(_core)) - declared == set(), "undeclared in _core.pyi"
    missing = public(declared) - public(dir(_core)) - gated_out()
    assert missing == set(), "declared but missing"


def test_class_members_match():
    for node in stub_tree().body:
        if not isinstance(node, ast.ClassDef) or node.name.endswith("Error"):
            continue
        if node.name in gated_out():
            continue
        cls = getattr(_core, node.name)
        declared = {
            n.name for n in node.body if isinstance(n, ast.FunctionDef)
        } - {"__init__", "__call__"}
        # Members defined on the class itself (inherited ones are declared
        # on the base class's stub).
        own = public(vars(cls))
        assert public(declared) == own, f"{node.name}: stub {sorted(declared ^ own)}"


def test_package_exports_the_module():
    for name in public(dir(_core)):
        assert getattr(policy_landscape, name) is getattr(_core, name)
    assert 4.2 < policy_landscape.paper_threshold() < 4.33
