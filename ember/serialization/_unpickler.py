"""A pickle reader that can only build data: the opcodes of protocol 2 that torch.save emits, and
globals looked up in one allow-list (torch's ``weights_only=True`` list, mapped to ember's objects).

Python's ``pickle.Unpickler`` imports any global a file names and calls whatever it finds, so a
checkpoint can run ``os.system`` while it loads. This reader is its own small interpreter: a global
that is not in the allow-list raises ``pickle.UnpicklingError`` (torch's class) when the opcode is
read, before anything is called, and only allowed functions can ever be called (REDUCE), built
(NEWOBJ) or given state (BUILD). Containers can only be filled when they are plain lists and dicts.
"""
import _compat_pickle
import codecs
import pickle
import struct
from collections import Counter, OrderedDict
from pickle import UnpicklingError

_BLOCKED_MODULES = ("sys", "os", "posix", "nt", "subprocess", "builtins.eval")


def corrupt(what):
    """A damaged pickle (as opposed to a refused one): torch's RuntimeError for a corrupt file."""
    return RuntimeError(f"ember.load: not a valid torch checkpoint: {what}")


class Global:
    """A name in the allow-list: `call(*args)` is what REDUCE does with it; `new(*args)` NEWOBJ."""

    def __init__(self, path, call=None, new=None, build=None):
        self.path, self.call, self.new, self.build = path, call, new, build

    def __repr__(self):
        return f"<allowed global {self.path}>"


def _describe(value):
    return repr(value) if isinstance(value, Global) else f"a {type(value).__name__}"


def _refused_global(path):
    module = path.rpartition(".")[0]
    if module.split(".")[0] in _BLOCKED_MODULES:
        reason = f"GLOBAL {path} whose module {module} is blocked"
    else:
        reason = f"GLOBAL {path}, which is not on the allow-list of data types"
    return UnpicklingError(
        f"ember.load: refused to load this file: it names {reason}. ember reads only data (tensors, "
        "storages, dtypes, numbers, strings, lists, tuples, dicts, OrderedDict, sets) and never runs code "
        "from a file, as torch.load(weights_only=True). If the file holds a whole pickled model or a "
        "custom class, load it in torch and save its state_dict() instead; if you trust this global, allow it with "
        f"ember.serialization.safe_globals([{path}]) (or add_safe_globals), as in torch.")


class RestrictedUnpickler:
    """`globals_` maps 'module.name' to a Global; `persistent_load(pid)` turns a persistent id into
    an object (a storage). Only the opcodes below exist; anything else is refused."""

    MAX_STACK = 1 << 20

    def __init__(self, file, globals_, persistent_load=None):
        from ._safe_globals import _build_user_object, user_globals
        self.read, self.readline = file.read, file.readline
        user_table, self.user_ids = user_globals()  # what add_safe_globals allowed, on top
        self.globals, self.persistent_load = {**globals_, **user_table}, persistent_load
        self.build_user_object = _build_user_object
        self.memo = {}

    def _take(self, n):
        data = self.read(n)
        if len(data) < n:
            raise corrupt("the pickle ends in the middle of an instruction (truncated file?)")
        return data

    def _pop(self):
        if not self.stack:
            raise corrupt("the pickle pops more values than it pushed (corrupt file)")
        return self.stack.pop()

    def _top(self):
        if not self.stack:
            raise corrupt("the pickle uses a value it never pushed (corrupt file)")
        return self.stack[-1]

    def _pop_mark(self):
        if not self.metastack:
            raise corrupt("the pickle closes a MARK it never opened (corrupt file)")
        items, self.stack = self.stack, self.metastack.pop()
        return items

    def _push(self, value):
        if len(self.stack) + len(self.metastack) > self.MAX_STACK:
            raise corrupt("the pickle's stack grows past a million entries (corrupt file)")
        self.stack.append(value)

    def load(self):
        self.stack, self.metastack = [], []
        while True:
            code = self.read(1)
            if not code:
                raise corrupt("the pickle ends before its STOP instruction (truncated file?)")
            handler = _OPCODES.get(code[0])
            if handler is None:
                raise UnpicklingError(f"ember.load: the pickle uses opcode {code!r}, which a data-only checkpoint "
                                      "does not "
                                      "need (ember reads the pickle protocol 2 subset torch.save writes)")
            if handler is _stop:
                if self.metastack or len(self.stack) != 1:
                    raise corrupt("the pickle stops with unbalanced marks or values (corrupt file)")
                return self.stack.pop()
            handler(self)

    def _global(self, module, name):
        if (module, name) in _compat_pickle.NAME_MAPPING:  # protocol 2 names Python 2's modules, as pickle maps
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        path = f"{module}.{name}"
        entry = self.globals.get(path)
        if entry is None:
            raise _refused_global(path)
        return entry


# -- the opcodes ---------------------------------------------------------------------------
def _stop(u):
    pass


def _proto(u):
    u._take(1)


def _global_op(u):
    module, name = u.readline(), u.readline()
    if not (module.endswith(b"\n") and name.endswith(b"\n")):
        raise corrupt("the pickle ends inside a GLOBAL instruction (truncated file?)")
    u._push(u._global(module[:-1].decode("utf-8", "replace"), name[:-1].decode("utf-8", "replace")))


def _stack_global(u):
    name, module = u._pop(), u._pop()
    if not (isinstance(module, str) and isinstance(name, str)):
        raise corrupt("STACK_GLOBAL needs a module and a name as strings")
    u._push(u._global(module, name))


def _reduce(u):
    args, func = u._pop(), u._pop()
    if id(func) in u.user_ids and isinstance(args, tuple):  # the user vouched for it
        u._push(func(*args))
        return
    if not isinstance(func, Global) or func.call is None or not isinstance(args, tuple):
        raise UnpicklingError(f"ember.load: the pickle calls {_describe(func)}, which is not an allowed function")
    u._push(func.call(*args))


def _newobj(u):
    args, cls = u._pop(), u._pop()
    if id(cls) in u.user_ids and isinstance(cls, type) and isinstance(args, tuple):
        u._push(cls.__new__(cls, *args))
        return
    if not isinstance(cls, Global) or cls.new is None or not isinstance(args, tuple):
        raise UnpicklingError(f"ember.load: the pickle creates an object of {_describe(cls)}, which is not an "
                              "allowed class")
    u._push(cls.new(*args))


def _build(u):
    state, inst = u._pop(), u._top()
    if type(inst) is OrderedDict and isinstance(state, dict):  # a state_dict's _metadata
        for key, value in state.items():
            if not isinstance(key, str):
                raise corrupt("BUILD of an OrderedDict needs string attribute names")
            setattr(inst, key, value)
        return
    if id(type(inst)) in u.user_ids:
        u.build_user_object(inst, state)
        return
    build = getattr(inst, "_ember_build", None)
    if build is None:
        raise UnpicklingError(f"ember.load: the pickle sets the state of a {type(inst).__name__}, which only "
                              "OrderedDict "
                              "and tensors allow")
    build(state)


def _append(u):
    item = u._pop()
    target = u._top()
    if type(target) is not list:
        raise UnpicklingError(f"ember.load: the pickle appends to a {type(target).__name__}; only lists can be "
                              "appended to")
    target.append(item)


def _appends(u):
    items = u._pop_mark()
    target = u._top()
    if type(target) is not list:
        raise UnpicklingError(f"ember.load: the pickle extends a {type(target).__name__}; only lists can be extended")
    target.extend(items)


def _set_into(u, items):
    target = u._top()
    if type(target) not in (dict, OrderedDict, Counter):
        raise UnpicklingError(f"ember.load: the pickle sets items of a {type(target).__name__}; only dicts allow it")
    try:
        for i in range(0, len(items) - 1, 2):
            target[items[i]] = items[i + 1]
    except TypeError:
        raise corrupt("the pickle uses an unhashable dict key (corrupt file)") from None


def _setitem(u):
    value, key = u._pop(), u._pop()
    _set_into(u, [key, value])


def _setitems(u):
    items = u._pop_mark()
    if len(items) % 2:
        raise corrupt("SETITEMS needs key/value pairs (corrupt file)")
    _set_into(u, items)


def _additems(u):
    items = u._pop_mark()
    target = u._top()
    if type(target) is not set:
        raise corrupt("ADDITEMS needs a set")
    try:
        target.update(items)
    except TypeError:
        raise corrupt("the pickle puts an unhashable value into a set (corrupt file)") from None


def _mark(u):
    u.metastack.append(u.stack)
    u.stack = []


def _tuple_n(n):
    def op(u):
        items = [u._pop() for _ in range(n)][::-1]
        u._push(tuple(items))
    return op


def _tuple(u):
    u._push(tuple(u._pop_mark()))


def _constant(value):
    return lambda u: u._push(value() if callable(value) else value)


def _unpack(fmt, size):
    return lambda u: u._push(struct.unpack(fmt, u._take(size))[0])


def _long1(u):
    u._push(pickle.decode_long(u._take(u._take(1)[0])))


def _long4(u):
    n = struct.unpack("<i", u._take(4))[0]
    if n < 0 or n > 1 << 16:
        raise corrupt("LONG4 of an absurd length (corrupt file)")
    u._push(pickle.decode_long(u._take(n)))


def _binunicode(size_format, size):
    def op(u):
        n = struct.unpack(size_format, u._take(size))[0]
        u._push(str(u._take(n), "utf-8", "surrogatepass"))
    return op


def _short_binunicode(u):
    u._push(str(u._take(u._take(1)[0]), "utf-8", "surrogatepass"))


def _binstring(size_format, size):
    def op(u):  # protocol-2 str from Python 2 or bytes: torch decodes them as ASCII/bytes
        u._push(u._take(struct.unpack(size_format, u._take(size))[0]))
    return op


def _binbytes(size_format, size):
    return lambda u: u._push(u._take(struct.unpack(size_format, u._take(size))[0]))


def _binpersid(u):
    pid = u._pop()
    if u.persistent_load is None or type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
        raise UnpicklingError(f"ember.load: the pickle refers to a persistent object of type "
                              f"{type(pid).__name__}; only "
                              "storages are allowed")
    u._push(u.persistent_load(pid))


def _get(size_format, size):
    def op(u):
        index = struct.unpack(size_format, u._take(size))[0]
        if index not in u.memo:
            raise corrupt(f"the pickle refers to memo entry {index}, which it never stored (corrupt file)")
        u._push(u.memo[index])
    return op


def _put(size_format, size):
    def op(u):
        u.memo[struct.unpack(size_format, u._take(size))[0]] = u._top()
    return op


def _memoize(u):
    u.memo[len(u.memo)] = u._top()


def _frame(u):
    u._take(8)  # protocol 4 frames only group opcodes; the stream is read the same without them


_OPCODES = {op[0]: handler for op, handler in {
    pickle.PROTO: _proto, pickle.STOP: _stop, pickle.FRAME: _frame,
    pickle.GLOBAL: _global_op, pickle.STACK_GLOBAL: _stack_global,
    pickle.REDUCE: _reduce, pickle.NEWOBJ: _newobj, pickle.BUILD: _build,
    pickle.APPEND: _append, pickle.APPENDS: _appends, pickle.SETITEM: _setitem, pickle.SETITEMS: _setitems,
    pickle.ADDITEMS: _additems, pickle.MARK: _mark, pickle.TUPLE: _tuple,
    pickle.TUPLE1: _tuple_n(1), pickle.TUPLE2: _tuple_n(2), pickle.TUPLE3: _tuple_n(3),
    pickle.EMPTY_TUPLE: _constant(()), pickle.EMPTY_LIST: _constant(list), pickle.EMPTY_DICT: _constant(dict),
    pickle.EMPTY_SET: _constant(set), pickle.NONE: _constant(None),
    pickle.NEWTRUE: _constant(True), pickle.NEWFALSE: _constant(False),
    pickle.BININT: _unpack("<i", 4), pickle.BININT1: _unpack("<B", 1), pickle.BININT2: _unpack("<H", 2),
    pickle.LONG1: _long1, pickle.LONG4: _long4, pickle.BINFLOAT: _unpack(">d", 8),
    pickle.BINUNICODE: _binunicode("<I", 4), pickle.SHORT_BINUNICODE: _short_binunicode,
    pickle.BINUNICODE8: _binunicode("<Q", 8),
    pickle.SHORT_BINSTRING: _binstring("<B", 1), pickle.BINSTRING: _binstring("<i", 4),
    pickle.SHORT_BINBYTES: _binbytes("<B", 1), pickle.BINBYTES: _binbytes("<I", 4),
    pickle.BINPERSID: _binpersid,
    pickle.BINGET: _get("<B", 1), pickle.LONG_BINGET: _get("<I", 4),
    pickle.BINPUT: _put("<B", 1), pickle.LONG_BINPUT: _put("<I", 4), pickle.MEMOIZE: _memoize,
}.items()}


def plain_globals():
    """The allow-list entries that are Python's own types (torch's list has the same ones)."""
    def encode(text, encoding="latin1"):
        if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
            raise UnpicklingError("ember.load: _codecs.encode may only turn latin1 text into bytes")
        return codecs.encode(text, encoding)

    def restricted(kind, allowed):
        def make(*args):
            if not all(isinstance(a, allowed) for a in args):
                raise UnpicklingError(f"ember.load: builtins.{kind.__name__} called with arguments it does not "
                                      "take here")
            return kind(*args)
        return make

    return {
        "collections.OrderedDict": Global("collections.OrderedDict", call=restricted(OrderedDict, (list, dict)),
                                          new=lambda *args: OrderedDict()),
        "collections.Counter": Global("collections.Counter", call=restricted(Counter, (dict,))),
        "_codecs.encode": Global("_codecs.encode", call=encode),
        "builtins.bytearray": Global("builtins.bytearray", call=restricted(bytearray, (bytes, int, list))),
        "builtins.set": Global("builtins.set", call=restricted(set, (list, tuple))),
        "builtins.complex": Global("builtins.complex", call=restricted(complex, (int, float))),
    }
