"""The Python GGUF module and the C++ writer produce byte-identical files for the same keys and
tensors: Python writes files with every value type, arrays, odd tensor shapes and a non-default
alignment; the C++ library reads each and writes it again; the bytes must not change. Python
also reads its own files back to the same values.

    test-gguf-bytes.py MNIST_PYTHON_HELPER WORK_DIR
"""

import os
import sys

import parity_common as pc


def main():
    helper, work = sys.argv[1], sys.argv[2]
    try:
        import numpy as np
    except ImportError as e:
        print(f"SKIPPED: {sys.executable} cannot import numpy ({e}); install python3-torch")
        sys.exit(pc.SKIP)
    import gguf

    work = pc.fresh_dir(os.path.join(work, "gguf-bytes"))
    checks = pc.Checks()
    rng = np.random.default_rng(7)

    def every_type(w):
        w.add_string("general.architecture", "mnist-fc")
        w.add_string("general.name", "caf\u00e9 \u2615 test")
        w.add_string("test.empty_string", "")
        w.add_uint8("test.u8", 255)
        w.add_int8("test.i8", -128)
        w.add_uint16("test.u16", 65535)
        w.add_int16("test.i16", -32768)
        w.add_uint32("test.u32", 4000000000)
        w.add_int32("test.i32", -2000000000)
        w.add_uint64("test.u64", 2**64 - 1)
        w.add_int64("test.i64", -2**63)
        w.add_float32("test.f32", 0.1)
        w.add_float64("test.f64", -1e300)
        w.add_bool("test.true", True)
        w.add_bool("test.false", False)
        w.add_array("test.array_i32", gguf.INT32, [1, -2, 3])
        w.add_array("test.array_f32", gguf.FLOAT32, [0.5, -1.25])
        w.add_array("test.array_u8", gguf.UINT8, [0, 7, 255])
        w.add_array("test.array_bool", gguf.BOOL, [True, False, True])
        w.add_array("test.array_str", gguf.STRING, ["a", "", "bc"])
        w.add_array("test.array_empty", gguf.UINT64, [])

    def tensors(w):
        w.add_tensor("fc1.weight", rng.standard_normal((500, 784)).astype(np.float32))
        w.add_tensor("odd", rng.standard_normal((3, 7)).astype(np.float32))                  # 84 bytes: padded
        w.add_tensor("conv1.bias", rng.standard_normal(8).astype(np.float32), ne=(1, 1, 8))  # leading ones kept
        w.add_tensor("four_d", rng.standard_normal((2, 3, 1, 5)).astype(np.float32))        # inner one kept
        w.add_tensor("trailing_ones", rng.standard_normal(5).astype(np.float32), ne=(5, 1, 1, 1))
        w.add_tensor("scalar", np.array([42.0], dtype=np.float32))
        w.add_tensor("half", rng.standard_normal(9).astype(np.float16))
        w.add_tensor("ints", np.arange(-3, 6, dtype=np.int32))

    cases = {}
    w = gguf.GGUFWriter()
    every_type(w)
    tensors(w)
    cases["all-types"] = w
    w = gguf.GGUFWriter()
    w.add_uint32("general.alignment", 64)
    every_type(w)
    tensors(w)
    cases["alignment-64"] = w
    w = gguf.GGUFWriter()
    w.add_string("general.architecture", "mnist-fc")
    cases["keys-only"] = w
    w = gguf.GGUFWriter()
    tensors(w)
    cases["tensors-only"] = w

    for name, w in cases.items():
        py_path = os.path.join(work, f"{name}-python.gguf")
        cpp_path = os.path.join(work, f"{name}-cpp.gguf")
        w.write(py_path)
        rc, _ = pc.run([helper, "rewrite", py_path, cpp_path])
        if not checks.check(rc == 0, f"{name}: the C++ library reads and rewrites the Python file"):
            continue
        a, b = open(py_path, "rb").read(), open(cpp_path, "rb").read()
        first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        checks.check(a == b, f"{name}: byte-identical ({len(a)} bytes Python, {len(b)} bytes C++"
                             + ("" if a == b else f", first difference at byte {first}") + ")")

        # Python reads back what it wrote.
        f = gguf.read_bytes(a)
        same_kv = list(f.kv) == list(w._kv) and all(
            f.kv[k].type == v.type and f.kv[k].elem_type == v.elem_type and
            (f.kv[k].value == v.value or (v.type == gguf.FLOAT32 and abs(f.kv[k].value - v.value) < 1e-7) or
             (v.type == gguf.ARRAY and np.allclose(np.asarray(f.kv[k].value, dtype=float), np.asarray(v.value, dtype=float))))
            for k, v in w._kv.items())
        same_tensors = list(f.tensors) == list(w._tensors) and all(
            f.tensors[n].ne == t.ne and f.tensors[n].ggml_type == t.ggml_type and
            np.array_equal(f.tensors[n].data.reshape(-1), t.data.reshape(-1))
            for n, t in w._tensors.items())
        checks.check(same_kv and same_tensors, f"{name}: Python reads its own file back unchanged")

    # Bad files are refused with a message, not a crash.
    good = cases["all-types"].to_bytes()
    for what, bad in [("bad magic", b"GGUX" + good[4:]), ("truncated", good[:len(good) // 2]),
                      ("wrong version", good[:4] + b"\x02" + good[5:])]:
        try:
            gguf.read_bytes(bad)
            checks.check(False, f"{what}: refused")
        except gguf.GGUFError as e:
            checks.check(True, f"{what}: refused ({e})")
    checks.finish()


if __name__ == "__main__":
    main()
