"""tf.data.Dataset pipelines checked element by element against plain Python references."""

import numpy as np
import pytest

import frontends.tf_like as tf

X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10) % 3


def elements(ds):
    return list(ds.as_numpy_iterator())


def assert_elements(ds, expected):
    got = elements(ds)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        g_leaves, e_leaves = tf._nest.flatten(g)[0], tf._nest.flatten(e)[0]
        assert len(g_leaves) == len(e_leaves)
        for a, b in zip(g_leaves, e_leaves):
            np.testing.assert_array_equal(a, b)


def test_from_tensor_slices_of_arrays_tuples_dicts():
    assert_elements(tf.data.Dataset.from_tensor_slices(X), list(X))
    assert_elements(tf.data.Dataset.from_tensor_slices((X, Y)), list(zip(X, Y)))
    ds = tf.data.Dataset.from_tensor_slices({"a": X, "b": Y})
    assert_elements(ds, [{"a": x, "b": y} for x, y in zip(X, Y)])
    assert ds.element_spec == {"a": tf.TensorSpec([2], tf.float32),
                               "b": tf.TensorSpec([], tf.int64)}
    lists = tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]])  # a list is a tensor
    assert lists.element_spec == tf.TensorSpec([2], tf.int32)
    with pytest.raises(ValueError, match="Dimensions 10 and 9 are not compatible"):
        tf.data.Dataset.from_tensor_slices((X, Y[:9]))


def test_iteration_yields_eager_tensors():
    for x, y in tf.data.Dataset.from_tensor_slices((X, Y)).take(2):
        assert isinstance(x, tf.Tensor) and isinstance(y, tf.Tensor) and x.dtype == tf.float32
    it = iter(tf.data.Dataset.range(1))
    assert it.get_next().numpy() == 0
    with pytest.raises(tf.errors.OutOfRangeError):
        it.get_next()


def test_from_tensors_range_zip_enumerate_concatenate():
    assert_elements(tf.data.Dataset.from_tensors(X), [X])
    assert_elements(tf.data.Dataset.range(2, 8, 3), [2, 5])
    assert tf.data.Dataset.range(3).element_spec == tf.TensorSpec([], tf.int64)
    z = tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(10, 20)))
    assert_elements(z, [(0, 10), (1, 11), (2, 12)])
    zd = tf.data.Dataset.zip({"i": tf.data.Dataset.range(2), "x": tf.data.Dataset
                              .from_tensor_slices(X)})
    assert_elements(zd, [{"i": 0, "x": X[0]}, {"i": 1, "x": X[1]}])
    assert_elements(tf.data.Dataset.range(2).enumerate(start=5), [(5, 0), (6, 1)])
    assert_elements(tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 6)),
                    [0, 1, 5])


@pytest.mark.parametrize("size, drop", [(3, False), (3, True), (5, False), (20, False)])
def test_batch(size, drop):
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(size, drop_remainder=drop)
    n = len(X) // size if drop else -(-len(X) // size)
    expected = [(X[i * size:(i + 1) * size], Y[i * size:(i + 1) * size]) for i in range(n)]
    assert_elements(ds, expected)
    assert len(ds) == n and ds.cardinality().numpy() == n
    assert ds.element_spec[0] == tf.TensorSpec([size if drop else None, 2], tf.float32)


def test_batch_errors_and_unbatch():
    ragged = tf.data.Dataset.from_generator(lambda: iter([np.ones(2), np.ones(3)]),
                                            output_signature=tf.TensorSpec([None], tf.float64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot batch tensors with "
                                                             "different shapes in component 0"):
        elements(ragged.batch(2))
    assert_elements(tf.data.Dataset.from_tensor_slices((X, Y)).batch(4).unbatch(),
                    list(zip(X, Y)))
    assert tf.data.Dataset.range(4).batch(3).unbatch().element_spec == \
        tf.TensorSpec([], tf.int64)


def test_padded_batch():
    ds = tf.data.Dataset.from_generator(
        lambda: ((np.arange(n), n) for n in (1, 3, 2)),
        output_signature=(tf.TensorSpec([None], tf.int64), tf.TensorSpec([], tf.int32)))
    got = elements(ds.map(lambda a, n: (a, n)).padded_batch(2, padding_values=(-1, 0)))
    np.testing.assert_array_equal(got[0][0], [[0, -1, -1], [0, 1, 2]])
    np.testing.assert_array_equal(got[1][0], [[0, 1]])
    fixed = elements(ds.padded_batch(3, padded_shapes=([4], [])))
    assert fixed[0][0].shape == (3, 4)


def test_map_filter_take_skip_repeat():
    ds = tf.data.Dataset.from_tensor_slices((X, Y))
    mapped = ds.map(lambda x, y: (x * 2.0, y + 1))
    assert_elements(mapped, [(x * 2, y + 1) for x, y in zip(X, Y)])
    assert mapped.element_spec[1] == tf.TensorSpec([], tf.int64)
    assert_elements(ds.filter(lambda x, y: y == 0).map(lambda x, y: x),
                    [x for x, y in zip(X, Y) if y == 0])
    assert_elements(ds.skip(7).take(2), list(zip(X, Y))[7:9])
    assert_elements(tf.data.Dataset.range(3).repeat(2), [0, 1, 2, 0, 1, 2])
    assert tf.data.Dataset.range(3).repeat().cardinality().numpy() == tf.data.INFINITE_CARDINALITY
    assert_elements(tf.data.Dataset.range(3).repeat().take(5), [0, 1, 2, 0, 1])
    assert ds.filter(lambda x, y: True).cardinality().numpy() == tf.data.UNKNOWN_CARDINALITY
    assert_elements(tf.data.Dataset.range(10).take_while(lambda v: v < 3), [0, 1, 2])
    assert_elements(tf.data.Dataset.range(10).shard(3, 1), [1, 4, 7])
    dict_map = tf.data.Dataset.from_tensor_slices({"a": X}).map(lambda d: d["a"][0])
    assert_elements(dict_map, list(X[:, 0]))
    with pytest.raises(TypeError, match="The dataset is infinite"):
        len(tf.data.Dataset.range(1).repeat())
    with pytest.raises(TypeError, match="length is unknown"):
        len(ds.filter(lambda x, y: True))


def test_shuffle():
    ds = tf.data.Dataset.range(50)
    one = elements(ds.shuffle(50, seed=3))
    assert sorted(one) == list(range(50)) and one != list(range(50))
    assert elements(ds.shuffle(1)) == list(range(50))  # a buffer of one keeps the order
    window = elements(ds.shuffle(5, seed=1))  # element i can't come out before i - 4 is read
    assert all(v <= i + 4 for i, v in enumerate(window))
    shuffled = ds.shuffle(50, seed=7)
    epochs = [elements(shuffled), elements(shuffled)]
    assert epochs[0] != epochs[1]  # reshuffled each iteration by default
    again = ds.shuffle(50, seed=7)
    assert [elements(again), elements(again)] == epochs  # reproducible with a seed
    fixed = ds.shuffle(50, seed=7, reshuffle_each_iteration=False)
    assert elements(fixed) == elements(fixed)
    tf.random.set_seed(42)
    a = elements(ds.shuffle(50))
    tf.random.set_seed(42)
    assert elements(ds.shuffle(50)) == a  # the global seed seeds it too


def test_cache_prefetch_and_reduce():
    calls = []

    def record(v):
        calls.append(int(v))
        return v * 2

    ds = tf.data.Dataset.range(4).map(record).cache().prefetch(tf.data.AUTOTUNE)
    assert elements(ds) == [0, 2, 4, 6] and elements(ds) == [0, 2, 4, 6]
    assert calls == [0, 1, 2, 3]  # the second pass replays the cache
    total = tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, v: s + v)
    assert isinstance(total, tf.Tensor) and total.numpy() == 10
    assert tf.data.Dataset.from_tensors(X).get_single_element().shape == (10, 2)


def test_from_generator():
    def gen(n):
        for i in range(int(n)):
            yield np.full(2, i), float(i)

    ds = tf.data.Dataset.from_generator(
        gen, args=(3,), output_signature=(tf.TensorSpec([2], tf.int32),
                                          tf.TensorSpec([], tf.float32)))
    got = elements(ds)
    assert len(got) == 3 and got[2][0].dtype == np.int32 and got[2][1] == 2.0
    assert ds.cardinality().numpy() == tf.data.UNKNOWN_CARDINALITY
    old = tf.data.Dataset.from_generator(lambda: iter([[1, 2]]), output_types=tf.int64)
    assert elements(old)[0].dtype == np.int64
    bad = tf.data.Dataset.from_generator(lambda: iter([np.ones(3)]),
                                         output_signature=tf.TensorSpec([2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"yielded an element of shape "
                                                             r"\(3,\) where an element of shape "
                                                             r"\(2,\) was expected"):
        elements(bad)


def test_a_training_loop_over_a_dataset():
    w = tf.Variable(np.zeros((2, 1), np.float32))
    targets = (X @ np.array([[1.0], [-1.0]], np.float32)) / 10

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((x @ w - y) ** 2)
        w.assign_sub(0.001 * tape.gradient(loss, w))
        return loss

    ds = tf.data.Dataset.from_tensor_slices((X, targets)).shuffle(10, seed=0).batch(4)
    losses = [float(step(x, y)) for _ in range(20) for x, y in ds]
    assert losses[-1] < losses[0]
    assert step.experimental_get_tracing_count() == 2  # batches of 4 and the last of 2
