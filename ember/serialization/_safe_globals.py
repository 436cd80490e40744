"""torch.serialization's allow-list extensions: add_safe_globals, safe_globals, get_safe_globals,
clear_safe_globals, get_unsafe_globals_in_checkpoint. A global the user allows is called, created
and given state as the file says: the user vouches for it, as in torch."""
import contextlib
import io
import pickletools
import zipfile

_allowed = []  # the user's objects, or (object, "module.name") pairs, in the order given


def _path(entry):
    if isinstance(entry, tuple):
        return entry[1]
    return f"{entry.__module__}.{entry.__qualname__}"


def add_safe_globals(safe_globals):
    """Let ember.load call, create and build these functions and classes (as torch's)."""
    for entry in safe_globals:
        if isinstance(entry, tuple) and not (len(entry) == 2 and isinstance(entry[1], str)):
            raise ValueError("a safe global is an object or an (object, 'module.name') pair")
        _allowed.append(entry)


def get_safe_globals():
    return list(_allowed)


def clear_safe_globals():
    _allowed.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """`with ember.serialization.safe_globals([...]):` allows them for the block only."""
    before = list(_allowed)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _allowed[:] = before


def _build_user_object(inst, state):
    """pickle's BUILD, for an instance of a class the user allowed."""
    if hasattr(inst, "__setstate__"):
        inst.__setstate__(state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        inst.__dict__.update(state)
    for key, value in (slots or {}).items():
        setattr(inst, key, value)


def user_globals():
    """'module.name' -> the object itself, for what the user allowed (pushed as is, so that allowed
    classes reach allowed functions as arguments), and the ids of those objects."""
    table = {_path(entry): entry[0] if isinstance(entry, tuple) else entry for entry in _allowed}
    return table, {id(obj) for obj in table.values()}


def get_unsafe_globals_in_checkpoint(f):
    """The globals a torch checkpoint names that ember.load would refuse (read without running it)."""
    from ._torch_names import torch_globals
    if not hasattr(f, "read"):
        with open(f, "rb") as file:
            return get_unsafe_globals_in_checkpoint(file)
    data = f.read()
    if data[:2] == b"PK":
        archive = zipfile.ZipFile(io.BytesIO(data))
        data = archive.read(next(name for name in archive.namelist() if name.endswith("data.pkl")))
    known = set(torch_globals()) | set(user_globals()[0])
    found = []
    for opcode, argument, _ in pickletools.genops(io.BytesIO(data)):
        if opcode.name == "GLOBAL":
            path = argument.replace(" ", ".")
            if path not in known and path not in found:
                found.append(path)
    return found
