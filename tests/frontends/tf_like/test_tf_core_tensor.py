"""tf.constant / convert_to_tensor / EagerTensor / Variable / TensorShape / TensorSpec / dtypes:
TF's conversion rules, operators (no promotion), slicing against numpy, reprs and errors."""

import numpy as np
import pytest

import frontends.tf_like as tf

F32 = dict(rtol=1e-6, atol=1e-6)


# -- conversion ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value, dtype", [
    (1.0, np.float32), (1, np.int32), (True, np.bool_), ([1, 2], np.int32),
    ([1, 2.5], np.float32), (2 ** 40, np.int64), (np.float64(1.0), np.float64),
    (np.arange(3), np.int64), (np.ones(2, np.float16), np.float16),
], ids=["float", "int", "bool", "int-list", "mixed-list", "big-int", "np-f64", "np-i64", "np-f16"])
def test_constant_dtype_rules(value, dtype):
    t = tf.constant(value)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(value).astype(dtype))


def test_constant_dtype_and_shape_arguments():
    assert tf.constant(3, dtype=tf.float64).dtype == tf.float64
    np.testing.assert_array_equal(tf.constant(7, shape=(2, 3)).numpy(), np.full((2, 3), 7))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=[2, 2]).numpy(),
                                  [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="Cannot convert 1.5 to EagerTensor of dtype int32"):
        tf.constant(1.5, dtype=tf.int32)
    with pytest.raises(TypeError, match="unsupported shape"):
        tf.constant([1, 2, 3], shape=[2, 2])


def test_convert_to_tensor():
    x = tf.constant([1.0, 2.0])
    assert tf.convert_to_tensor(x) is x
    with pytest.raises(ValueError, match="requested dtype int32 for Tensor with dtype float32"):
        tf.convert_to_tensor(x, dtype=tf.int32)
    packed = tf.convert_to_tensor([tf.constant(1.0), 2.0, tf.constant(3.0)])
    np.testing.assert_array_equal(packed.numpy(), [1, 2, 3])
    assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor(1.5, dtype_hint=tf.int32).dtype == tf.float32
    assert isinstance(tf.convert_to_tensor(np.zeros(2)), tf.Tensor)


def test_dtypes():
    assert tf.float32 == np.float32 and tf.as_dtype("int64") == tf.int64
    assert tf.as_dtype(float) == tf.float32 and tf.as_dtype(int) == tf.int32
    assert tf.dtypes.float64 is tf.float64 and tf.dtypes.is_floating(tf.float16)
    with pytest.raises(TypeError, match="Cannot convert value 'foo' to a TensorFlow DType"):
        tf.as_dtype("foo")


# -- printing -----------------------------------------------------------------------------------
def test_repr_and_str_like_tf():
    assert repr(tf.constant(1.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=1.0>"
    assert repr(tf.constant([1.0, 2.0])) == (
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>")
    assert repr(tf.constant([[1, 2], [3, 4]])) == (
        "<tf.Tensor: shape=(2, 2), dtype=int32, numpy=\narray([[1, 2],\n       [3, 4]], "
        "dtype=int32)>")
    assert str(tf.constant([1, 2])) == "tf.Tensor([1 2], shape=(2,), dtype=int32)"
    assert str(tf.constant([[1, 2], [3, 4]])) == (
        "tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)")
    assert repr(tf.Variable([1.0, 2.0], name="w")) == (
        "<tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>")


# -- operators ----------------------------------------------------------------------------------
def test_no_promotion_between_tensors():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"cannot compute AddV2 as input #1\(zero-based\) was expected to be "
                             r"a float tensor but is a int32 tensor"):
        tf.constant(1.0) + tf.constant(1)
    with pytest.raises(TypeError, match="Cannot convert 2.5 to EagerTensor of dtype int32"):
        tf.constant([1, 2]) * 2.5


def test_python_numbers_take_the_tensor_dtype():
    x = tf.constant([1.0, 2.0], dtype=tf.float64)
    for y in (x + 1, 1 + x, x * 2, 2 - x, x / 2, 2 ** x, x ** 2, -x, abs(-x)):
        assert y.dtype == tf.float64
    r = np.array([1.0, 2.0]) + tf.constant([1.0, 2.0])  # numpy on the left defers to the tensor
    assert isinstance(r, tf.Tensor) and r.dtype == tf.float32


@pytest.mark.parametrize("a, b", [(7, 2), (-7, 2), (7, -2), (-7, -3)])
def test_integer_division_like_python(a, b):
    x, y = tf.constant([a]), tf.constant([b])
    q = x / y
    assert q.dtype == tf.float64 and q.numpy()[0] == a / b
    assert (x // y).numpy()[0] == a // b and (x % y).numpy()[0] == a % b
    assert (tf.constant([float(a)]) // float(b)).numpy()[0] == a // b


def test_small_int_true_division_is_float32():
    assert (tf.constant(np.int16(7)) / tf.constant(np.int16(2))).dtype == tf.float32


def test_comparisons_and_equality_are_elementwise():
    x = tf.constant([1, 2, 3])
    np.testing.assert_array_equal((x == 2).numpy(), [False, True, False])
    np.testing.assert_array_equal((x != 2).numpy(), [True, False, True])
    np.testing.assert_array_equal((x < 2).numpy(), [True, False, False])
    np.testing.assert_array_equal((x >= 2).numpy(), [False, True, True])
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert bool(x == tf.constant([1, 2])) is False  # incompatible shapes: a scalar False
    b = tf.constant([True, False])
    np.testing.assert_array_equal((b & ~b).numpy(), [False, False])
    np.testing.assert_array_equal((b ^ True).numpy(), [False, True])


def test_matmul_operator_and_bool_conversions():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose((a @ a).numpy(), a.numpy() @ a.numpy())
    assert float(tf.constant(2.5)) == 2.5 and int(tf.constant(3)) == 3
    assert [1, 2, 3][tf.constant(1)] == 2
    assert len(a) == 2 and [t.shape for t in a] == [(2,), (2,)]
    with pytest.raises(ValueError):
        bool(a)


# -- slicing ------------------------------------------------------------------------------------
X = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
KEYS = {
    "int": 1, "neg-int": -1, "slice": slice(1, 3), "tuple-ints": (1, 2),
    "mixed": (0, slice(None), 2), "step": (slice(None), slice(None, None, 2)),
    "neg-step": (slice(None), slice(None, None, -1)), "neg-step-bounds": (1, slice(2, 0, -1)),
    "ellipsis": (Ellipsis, 1), "ellipsis-mid": (0, Ellipsis, slice(1, 3)),
    "newaxis": (None, 0), "newaxis-mid": (slice(None), None, 1, Ellipsis, None),
    "clamped": (slice(-10, 10),), "empty": (slice(3, 1),), "all": (Ellipsis,),
    "neg-step-to-start": (slice(None), slice(1, None, -1)),
}


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
def test_getitem_matches_numpy(key):
    got = tf.constant(X)[key]
    np.testing.assert_array_equal(got.numpy(), X[key])
    assert tuple(got.shape) == X[key].shape


def test_getitem_with_a_tensor_index_and_gradient():
    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x[tf.constant(1), ::2, -1] * 3.0)
    np.testing.assert_array_equal(x[tf.constant(1)].numpy(), X[1])
    expected = np.zeros_like(X)
    expected[1, ::2, -1] = 3.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), expected)


def test_getitem_errors_like_tf():
    x = tf.constant([1, 2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="slice index 3 of dimension 0 out "
                                                              "of bounds"):
        x[3]
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[[0, 1]]
    with pytest.raises(ValueError, match="Multiple ellipses"):
        tf.constant(X)[..., 0, ...]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Index out of range"):
        x[0, 0]


# -- Variable -----------------------------------------------------------------------------------
def test_variable_assign_family():
    v = tf.Variable([1.0, 2.0], name="v")
    assert v.name == "v" and v.trainable and v.shape == (2,) and v.dtype == tf.float32
    assert v.assign([3.0, 4.0]) is v
    v.assign_add([1.0, 1.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [3.5, 4.5])
    r = v.read_value()
    v.assign([0.0, 0.0])
    np.testing.assert_array_equal(r.numpy(), [3.5, 4.5])  # a read is a snapshot
    assert type(v * 2) is tf.Tensor
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="requested dtype float32"):
        v.assign(tf.constant([1, 2]))


def test_variable_trainable_and_initial_values():
    v = tf.Variable(lambda: np.ones(3), trainable=False, dtype=tf.float32)
    assert not v.trainable and not v.requires_grad and v.dtype == tf.float32
    v.trainable = True
    assert v.requires_grad
    assert not tf.Variable(3).requires_grad  # integer variables carry no gradient
    with pytest.raises(ValueError, match="initial value must be specified"):
        tf.Variable()


# -- TensorShape / TensorSpec ------------------------------------------------------------------
def test_tensor_shape():
    s = tf.TensorShape([None, 3])
    assert s.rank == 2 and s.as_list() == [None, 3] and s[1] == 3
    assert isinstance(s[1:], tf.TensorShape) and str(s) == "(None, 3)"
    assert repr(s) == "TensorShape([None, 3])" and str(tf.TensorShape([4])) == "(4,)"
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert s.merge_with([5, None]) == (5, 3) and s.num_elements() is None
    assert (s + [2]).as_list() == [None, 3, 2]
    with pytest.raises(ValueError):
        s.merge_with([1, 4])


def test_tensor_spec():
    spec = tf.TensorSpec([None, 2], tf.float32, name="x")
    assert repr(spec) == "TensorSpec(shape=(None, 2), dtype=tf.float32, name='x')"
    assert spec.is_compatible_with(tf.zeros((7, 2)))
    assert not spec.is_compatible_with(tf.zeros((7, 3)))
    assert not spec.is_compatible_with(tf.zeros((7, 2), tf.float64))
    assert tf.TensorSpec.from_tensor(tf.ones((1, 2))) == tf.TensorSpec([1, 2])
