"""ember.utils._pytree: flatten nested lists, tuples, dicts and namedtuples to leaves and back, as torch's.

Lists, tuples, namedtuples, dicts and OrderedDicts are nodes; everything else (None included) is a leaf.
"""
from collections import OrderedDict, namedtuple


class LeafSpec:
    def __init__(self):
        self.type, self.context, self.children_specs, self.num_leaves = None, None, [], 1

    def __repr__(self):
        return "*"

    def __eq__(self, other):
        return isinstance(other, LeafSpec)


class TreeSpec:
    def __init__(self, type, context, children_specs):
        self.type, self.context, self.children_specs = type, context, children_specs
        self.num_leaves = sum(child.num_leaves for child in children_specs)

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and (self.type, self.context, self.children_specs)
                == (other.type, other.context, other.children_specs))

    def __repr__(self):
        return f"TreeSpec({self.type.__name__}, {self.context}, [{', '.join(map(repr, self.children_specs))}])"


def _is_namedtuple(node):
    return isinstance(node, tuple) and hasattr(type(node), "_fields")


def _children(node):
    """(children, context) for a container, None for a leaf."""
    if type(node) is list:
        return list(node), None
    if _is_namedtuple(node):
        return list(node), type(node)
    if type(node) is tuple:
        return list(node), None
    if isinstance(node, OrderedDict):
        return list(node.values()), list(node.keys())
    if type(node) is dict:
        return list(node.values()), list(node.keys())
    return None


def tree_flatten(tree, is_leaf=None):
    """(leaves, spec): the leaves in order, and the structure to rebuild the tree with tree_unflatten."""
    leaves = []

    def walk(node):
        found = None if is_leaf is not None and is_leaf(node) else _children(node)
        if found is None:
            leaves.append(node)
            return LeafSpec()
        children, context = found
        kind = namedtuple if _is_namedtuple(node) else type(node)
        return TreeSpec(kind, context, [walk(child) for child in children])
    spec = walk(tree)
    return leaves, spec


def tree_unflatten(leaves, treespec):
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers to a "
                         f"pytree that holds {treespec.num_leaves} items ({treespec}).")
    position = iter(leaves)

    def build(spec):
        if isinstance(spec, LeafSpec):
            return next(position)
        children = [build(child) for child in spec.children_specs]
        if spec.type is namedtuple:
            return spec.context(*children)
        if spec.type in (dict, OrderedDict):
            return spec.type(zip(spec.context, children))
        return spec.type(children)
    return build(treespec)


def tree_leaves(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func, tree, *rests, is_leaf=None):
    """The tree with func applied to each leaf (with the matching leaves of `rests`, same structure)."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [tree_flatten(rest, is_leaf)[0] for rest in rests]
    for rest, other in zip(rests, others):
        if len(other) != len(leaves):
            raise ValueError("tree_map: the trees do not have the same structure")
    return tree_unflatten([func(*values) for values in zip(leaves, *others)], spec)


def tree_map_(func, tree, *rests, is_leaf=None):
    leaves = tree_leaves(tree, is_leaf)
    for values in zip(leaves, *(tree_leaves(rest, is_leaf) for rest in rests)):
        func(*values)
    return tree
