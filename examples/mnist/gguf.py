"""Reading and writing GGUF files (version 3, little-endian) with numpy only.

    import gguf
    w = gguf.GGUFWriter()
    w.add_string("general.architecture", "mnist-fc")
    w.add_tensor("fc1.weight", weights_500x784)   # numpy array in PyTorch order (outermost first)
    w.write("model.gguf")

    f = gguf.read("model.gguf")
    f.kv["general.architecture"].value            # "mnist-fc"
    f.tensors["fc1.weight"].ne                    # (784, 500): ggml order, innermost first
    f.tensors["fc1.weight"].data                  # numpy array of shape (500, 784)

Layout written (the same bytes as the C++ writer for the same keys and tensors, in the same order):
"GGUF", u32 version 3, u64 tensor count, u64 key/value count; each key/value as a string key, an
i32 type and the value (arrays: element type, u64 count, elements); each tensor info as a string
name, u32 n_dims, n_dims x i64 ne (innermost first; trailing dimensions of size 1 are left out,
at least one is written), i32 ggml type and u64 offset relative to the data section; zero padding
to the alignment; then each tensor's data, zero-padded to the alignment. Strings are a u64 byte
count and the UTF-8 bytes. The alignment is the u32 key general.alignment, 32 when absent.
"""

import math
import os
import struct
from collections import OrderedDict

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
DEFAULT_ALIGNMENT = 32
KEY_ALIGNMENT = "general.alignment"
MAX_DIMS = 4

# Key/value types as stored in the file.
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)

# Fixed-size value types: struct format (little-endian) and numpy dtype.
_SCALAR_FORMATS = {
    UINT8: ("<B", np.uint8), INT8: ("<b", np.int8),
    UINT16: ("<H", np.uint16), INT16: ("<h", np.int16),
    UINT32: ("<I", np.uint32), INT32: ("<i", np.int32),
    UINT64: ("<Q", np.uint64), INT64: ("<q", np.int64),
    FLOAT32: ("<f", np.float32), FLOAT64: ("<d", np.float64),
    BOOL: ("<?", np.bool_),
}

# The ggml tensor types this module handles (all unquantised): type id and numpy dtype.
GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_I8, GGML_TYPE_I16, GGML_TYPE_I32, GGML_TYPE_I64, GGML_TYPE_F64 = 0, 1, 24, 25, 26, 27, 28
_TENSOR_DTYPES = {
    GGML_TYPE_F32: np.dtype("<f4"), GGML_TYPE_F16: np.dtype("<f2"),
    GGML_TYPE_I8: np.dtype("i1"), GGML_TYPE_I16: np.dtype("<i2"), GGML_TYPE_I32: np.dtype("<i4"),
    GGML_TYPE_I64: np.dtype("<i8"), GGML_TYPE_F64: np.dtype("<f8"),
}


class GGUFError(Exception):
    """A file that is not valid GGUF, or a value this module cannot store."""


class KV:
    """One key/value: type (a value type), for arrays also elem_type, and the Python value."""

    def __init__(self, type_, value, elem_type=None):
        self.type = type_
        self.elem_type = elem_type
        self.value = value

    def __repr__(self):
        return f"KV(type={self.type}, elem_type={self.elem_type}, value={self.value!r})"


class Tensor:
    """A tensor: ggml type, ne (ggml order, innermost first, always 4 entries) and data.

    data is a numpy array whose shape is ne reversed with trailing ones dropped (PyTorch order).
    """

    def __init__(self, name, ggml_type, ne, data):
        self.name = name
        self.ggml_type = ggml_type
        self.ne = tuple(ne)
        self.data = data


class GGUFFile:
    def __init__(self):
        self.version = GGUF_VERSION
        self.alignment = DEFAULT_ALIGNMENT
        self.kv = OrderedDict()
        self.tensors = OrderedDict()


def _pad(n, alignment):
    return (n + alignment - 1) // alignment * alignment


def _ne_from_shape(shape):
    ne = list(reversed(shape)) or [1]
    if len(ne) > MAX_DIMS:
        raise GGUFError(f"a tensor has at most {MAX_DIMS} dimensions, got shape {tuple(shape)}")
    return ne + [1] * (MAX_DIMS - len(ne))


def _n_dims_written(ne):
    # trailing dimensions of size 1 are implied; at least one dimension is written
    n = MAX_DIMS
    while n > 1 and ne[n - 1] == 1:
        n -= 1
    return n


class GGUFWriter:
    """Collects keys and tensors in insertion order and writes them as one GGUF file."""

    def __init__(self):
        self._kv = OrderedDict()
        self._tensors = OrderedDict()

    # Key/values. Setting an existing key replaces its value but keeps its position.
    def add_kv(self, key, type_, value, elem_type=None):
        if not isinstance(key, str) or not key:
            raise GGUFError("a key must be a non-empty string")
        if type_ == ARRAY:
            if elem_type is None or elem_type == ARRAY:
                raise GGUFError(f"key {key}: arrays need a scalar or string element type")
            value = list(value)
        elif elem_type is not None:
            raise GGUFError(f"key {key}: only arrays have an element type")
        if key == KEY_ALIGNMENT:
            if type_ != UINT32 or value <= 0 or value & (value - 1) != 0:
                raise GGUFError(f"{KEY_ALIGNMENT} must be a u32 power of two, got {value!r}")
        self._kv[key] = KV(type_, value, elem_type)

    def add_string(self, key, value):  self.add_kv(key, STRING, value)
    def add_uint8(self, key, value):   self.add_kv(key, UINT8, value)
    def add_int8(self, key, value):    self.add_kv(key, INT8, value)
    def add_uint16(self, key, value):  self.add_kv(key, UINT16, value)
    def add_int16(self, key, value):   self.add_kv(key, INT16, value)
    def add_uint32(self, key, value):  self.add_kv(key, UINT32, value)
    def add_int32(self, key, value):   self.add_kv(key, INT32, value)
    def add_uint64(self, key, value):  self.add_kv(key, UINT64, value)
    def add_int64(self, key, value):   self.add_kv(key, INT64, value)
    def add_float32(self, key, value): self.add_kv(key, FLOAT32, value)
    def add_float64(self, key, value): self.add_kv(key, FLOAT64, value)
    def add_bool(self, key, value):    self.add_kv(key, BOOL, bool(value))
    def add_array(self, key, elem_type, values): self.add_kv(key, ARRAY, values, elem_type)

    def add_tensor(self, name, array, ne=None):
        """Adds a tensor from a numpy array in PyTorch order (outermost dimension first).

        ne, when given, is the ggml shape (innermost first) to record; it must hold as many
        elements as the array. By default it is the array's shape reversed.
        """
        if not isinstance(name, str) or not name or len(name.encode("utf-8")) >= 64:
            raise GGUFError(f"tensor name {name!r} must be 1 to 63 bytes")
        if name in self._tensors:
            raise GGUFError(f"duplicate tensor {name}")
        array = np.asarray(array)
        ggml_type = next((t for t, dt in _TENSOR_DTYPES.items() if dt == array.dtype.newbyteorder("<")), None)
        if ggml_type is None:
            raise GGUFError(f"tensor {name}: unsupported dtype {array.dtype}")
        full_ne = _ne_from_shape(array.shape) if ne is None else list(ne) + [1] * (MAX_DIMS - len(ne))
        if len(full_ne) > MAX_DIMS or math.prod(full_ne) != array.size:
            raise GGUFError(f"tensor {name}: ne {tuple(ne)} does not match {array.size} elements")
        data = np.ascontiguousarray(array, dtype=_TENSOR_DTYPES[ggml_type])
        self._tensors[name] = Tensor(name, ggml_type, full_ne, data)

    def alignment(self):
        kv = self._kv.get(KEY_ALIGNMENT)
        return kv.value if kv is not None else DEFAULT_ALIGNMENT

    def to_bytes(self):
        alignment = self.alignment()
        out = bytearray()
        out += GGUF_MAGIC
        out += struct.pack("<IQQ", GGUF_VERSION, len(self._tensors), len(self._kv))
        for key, kv in self._kv.items():
            _put_string(out, key)
            out += struct.pack("<i", kv.type)
            _put_value(out, kv.type, kv.value, kv.elem_type, key)

        offset = 0
        for t in self._tensors.values():
            _put_string(out, t.name)
            n_dims = _n_dims_written(t.ne)
            out += struct.pack("<I", n_dims)
            out += struct.pack(f"<{n_dims}q", *t.ne[:n_dims])
            out += struct.pack("<iQ", t.ggml_type, offset)
            offset += _pad(t.data.nbytes, alignment)
        out += bytes(_pad(len(out), alignment) - len(out))

        for t in self._tensors.values():
            raw = t.data.tobytes()
            out += raw
            out += bytes(_pad(len(raw), alignment) - len(raw))
        return bytes(out)

    def write(self, path):
        # A temporary file renamed into place: a failed write leaves no partial file behind.
        data = self.to_bytes()
        tmp = f"{path}.tmp{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise


def _put_string(out, s):
    raw = s.encode("utf-8")
    out += struct.pack("<Q", len(raw))
    out += raw


def _put_value(out, type_, value, elem_type, key):
    try:
        if type_ == STRING:
            _put_string(out, value)
        elif type_ == ARRAY:
            out += struct.pack("<iQ", elem_type, len(value))
            if elem_type == STRING:
                for s in value:
                    _put_string(out, s)
            else:
                out += np.asarray(value, dtype=np.dtype(_SCALAR_FORMATS[elem_type][1]).newbyteorder("<")).tobytes()
        else:
            out += struct.pack(_SCALAR_FORMATS[type_][0], value)
    except (KeyError, struct.error, TypeError, ValueError, OverflowError) as e:
        raise GGUFError(f"key {key}: cannot store {value!r} as type {type_}: {e}") from None


class _Cursor:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n, what):
        if n < 0 or self.pos + n > len(self.data):
            raise GGUFError(f"truncated file: {what} at byte {self.pos} needs {n} bytes")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def string(self, what):
        n = self.unpack("<Q", what + " length")
        try:
            return self.take(n, what).decode("utf-8")
        except UnicodeDecodeError:
            raise GGUFError(f"{what} at byte {self.pos - n} is not UTF-8") from None


def _read_value(cur, type_, key):
    if type_ == STRING:
        return cur.string(f"value of {key}")
    if type_ in _SCALAR_FORMATS:
        fmt = _SCALAR_FORMATS[type_][0]
        v = cur.unpack(fmt, f"value of {key}")
        return v
    raise GGUFError(f"key {key}: unknown value type {type_} at byte {cur.pos}")


def read_bytes(data):
    """Parses a whole GGUF file held in memory; raises GGUFError on invalid content."""
    cur = _Cursor(data)
    if cur.take(4, "magic") != GGUF_MAGIC:
        raise GGUFError("not a GGUF file (bad magic)")
    f = GGUFFile()
    f.version = cur.unpack("<I", "version")
    if f.version != GGUF_VERSION:
        raise GGUFError(f"unsupported GGUF version {f.version} (expected {GGUF_VERSION})")
    n_tensors = cur.unpack("<Q", "tensor count")
    n_kv = cur.unpack("<Q", "key/value count")

    for _ in range(n_kv):
        key = cur.string("key")
        if key in f.kv:
            raise GGUFError(f"duplicate key {key}")
        type_ = cur.unpack("<i", f"type of {key}")
        if type_ == ARRAY:
            elem_type = cur.unpack("<i", f"element type of {key}")
            n = cur.unpack("<Q", f"length of {key}")
            if elem_type == STRING:
                value = [cur.string(f"element of {key}") for _ in range(n)]
            elif elem_type in _SCALAR_FORMATS:
                dt = np.dtype(_SCALAR_FORMATS[elem_type][1]).newbyteorder("<")
                value = np.frombuffer(cur.take(n * dt.itemsize, f"elements of {key}"), dtype=dt).tolist()
            else:
                raise GGUFError(f"key {key}: unsupported array element type {elem_type}")
            f.kv[key] = KV(ARRAY, value, elem_type)
        else:
            f.kv[key] = KV(type_, _read_value(cur, type_, key))

    if KEY_ALIGNMENT in f.kv:
        a = f.kv[KEY_ALIGNMENT]
        if a.type != UINT32 or a.value == 0 or a.value & (a.value - 1):
            raise GGUFError(f"{KEY_ALIGNMENT} must be a u32 power of two")
        f.alignment = a.value

    infos = []
    for _ in range(n_tensors):
        name = cur.string("tensor name")
        if any(name == i[0] for i in infos):
            raise GGUFError(f"duplicate tensor {name}")
        n_dims = cur.unpack("<I", f"dimension count of {name}")
        if n_dims > MAX_DIMS:
            raise GGUFError(f"tensor {name} has {n_dims} dimensions (at most {MAX_DIMS})")
        ne = [cur.unpack("<q", f"ne of {name}") for _ in range(n_dims)] + [1] * (MAX_DIMS - n_dims)
        if any(n < 0 for n in ne):
            raise GGUFError(f"tensor {name} has a negative dimension {ne}")
        ggml_type = cur.unpack("<i", f"type of {name}")
        if ggml_type not in _TENSOR_DTYPES:
            raise GGUFError(f"tensor {name}: unsupported ggml type {ggml_type}")
        offset = cur.unpack("<Q", f"offset of {name}")
        if offset % f.alignment:
            raise GGUFError(f"tensor {name}: offset {offset} is not a multiple of the alignment {f.alignment}")
        infos.append((name, ne, ggml_type, offset))

    data_start = _pad(cur.pos, f.alignment)
    for name, ne, ggml_type, offset in infos:
        dt = _TENSOR_DTYPES[ggml_type]
        nelements = math.prod(ne)
        nbytes = nelements * dt.itemsize
        begin = data_start + offset
        if begin + nbytes > len(data):
            raise GGUFError(f"tensor {name}: data [{begin}, {begin + nbytes}) lies beyond the end of the file ({len(data)} bytes)")
        shape = tuple(reversed(ne[:_n_dims_written(ne)]))
        arr = np.frombuffer(data, dtype=dt, count=nelements, offset=begin).reshape(shape)
        f.tensors[name] = Tensor(name, ggml_type, ne, arr)
    return f


def read(path):
    with open(path, "rb") as fh:
        return read_bytes(fh.read())


def writer_from(f):
    """A writer holding the same keys and tensors, in the same order, as a read file."""
    w = GGUFWriter()
    for key, kv in f.kv.items():
        w.add_kv(key, kv.type, kv.value, kv.elem_type)
    for name, t in f.tensors.items():
        w.add_tensor(name, t.data, ne=t.ne)
    return w
