"""Creation, dtypes, conversions and devices against torch 2.13: tensor/as_tensor/from_numpy
(memory sharing), zeros/ones/full/empty/arange/linspace/logspace/eye and the *_like forms in
both size spellings, dtype inference, requires_grad, 'cpu' vs 'cuda', .to/.float()/.type(),
legacy FloatTensor-style constructors, new_*, and the Tensor's metadata methods."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import frontends.torch_like as ours
from tests.frontends.torch_like.test_functions_harness import (
    assert_same,
    compare,
    same_error,
    torch,
)

CREATE = {
    "tensor floats": lambda T: T.tensor([[1.5, 2.0], [3.0, -4.0]]),
    "tensor ints": lambda T: T.tensor([1, 2, 3]),
    "tensor mixed": lambda T: T.tensor([1, 2.5]),
    "tensor bools": lambda T: T.tensor([True, False]),
    "tensor bool and int": lambda T: T.tensor([True, 2]),
    "tensor scalar": lambda T: T.tensor(3.5),
    "tensor empty": lambda T: T.tensor([]),
    "tensor dtype": lambda T: T.tensor([1, 2], dtype=T.float64),
    "tensor numpy f64": lambda T: T.tensor(np.array([1.5, 2.5])),
    "tensor numpy i32": lambda T: T.tensor(np.array([1, 2], np.int32)),
    "tensor numpy scalar": lambda T: T.tensor(np.float64(1.5)),
    "tensor numpy scalar list": lambda T: T.tensor([np.float32(1.5), np.float32(2.0)]),
    "tensor of 0-d tensors": lambda T: T.tensor([T.tensor(1.5), T.tensor(2.5)]),
    "as_tensor": lambda T: T.as_tensor([1, 2], dtype=T.float32),
    "zeros": lambda T: T.zeros(2, 3),
    "zeros tuple": lambda T: T.zeros((2, 3)),
    "zeros list dtype": lambda T: T.zeros([4], dtype=T.int64),
    "zeros size": lambda T: T.zeros(T.Size([2, 1])),
    "ones": lambda T: T.ones(3, dtype=T.int32),
    "ones scalar": lambda T: T.ones([]),
    "full float": lambda T: T.full((2, 2), 1.5),
    "full int": lambda T: T.full((2,), 3),
    "full bool": lambda T: T.full((2,), True),
    "full dtype": lambda T: T.full((2,), 1.5, dtype=T.int64),
    "empty shape": lambda T: T.empty(2, 3).shape,
    "arange": lambda T: T.arange(5),
    "arange start end": lambda T: T.arange(2, 9, 3),
    "arange float": lambda T: T.arange(0, 1, 0.1),
    "arange float end": lambda T: T.arange(1, 2.5, 0.5),
    "arange negative": lambda T: T.arange(5, -3, -2),
    "arange dtype": lambda T: T.arange(4, dtype=T.float64),
    "linspace": lambda T: T.linspace(0, 1, 5),
    "linspace odd": lambda T: T.linspace(-1, 1.3, 7),
    "linspace even": lambda T: T.linspace(-2.5, 10, 8),
    "linspace int": lambda T: T.linspace(0, 1, 5, dtype=T.int64),
    "linspace 1": lambda T: T.linspace(3, 5, 1),
    "logspace": lambda T: T.logspace(0, 2, 3),
    "eye": lambda T: T.eye(3),
    "eye rect": lambda T: T.eye(2, 3, dtype=T.int64),
    "zeros_like": lambda T: T.zeros_like(T.ones(2, dtype=T.int32)),
    "ones_like dtype": lambda T: T.ones_like(T.ones(2, dtype=T.int32), dtype=T.float64),
    "full_like int": lambda T: T.full_like(T.ones(2, dtype=T.int32), 2.7),
    "empty_like shape": lambda T: T.empty_like(T.ones(2, 5)).shape,
    "scalar_tensor": lambda T: T.scalar_tensor(2),
    "FloatTensor sizes": lambda T: T.FloatTensor(2, 3).zero_(),  # torch's is uninitialized
    "FloatTensor data": lambda T: T.FloatTensor([1, 2]),
    "LongTensor data": lambda T: T.LongTensor([1, 2]),
    "DoubleTensor": lambda T: T.DoubleTensor([[1.5]]),
    "ByteTensor": lambda T: T.ByteTensor([1, 255]),
    "BoolTensor": lambda T: T.BoolTensor([1, 0]),
    "IntTensor": lambda T: T.IntTensor(3).zero_(),
    "legacy Tensor sizes": lambda T: T.Tensor(2, 3).zero_(),
    "legacy Tensor data": lambda T: T.Tensor([1, 2]),
}


@pytest.mark.parametrize("name", CREATE)
def test_creation(name):
    assert_same(CREATE[name](ours), CREATE[name](torch))


def test_requires_grad_and_leaves():
    for make in (lambda T: T.zeros(2, requires_grad=True), lambda T: T.randn(2, 3,
                 requires_grad=True), lambda T: T.tensor([1.0], requires_grad=True)):
        t = make(ours)
        assert t.requires_grad and t.is_leaf and t.grad_fn is None
    same_error(lambda T: T.zeros(2, dtype=T.int64, requires_grad=True),
               match="Only Tensors of floating point and complex dtype can require gradients")
    same_error(lambda T: T.tensor([1, 2], requires_grad=True),
               match="Only Tensors of floating point and complex dtype can require gradients")


def test_creation_errors():
    same_error(lambda T: T.arange(0, 10, -1), match="upper bound and lower bound inconsistent "
                                                    "with step sign")
    same_error(lambda T: T.arange(0, 10, 0), match="step must be nonzero")
    same_error(lambda T: T.zeros(-1), match="Dimension size must be non-negative.")
    same_error(lambda T: T.tensor([[1, 2], [3]]), match="expected sequence of length 2 at dim 1 "
                                                        "(got 1)")


def test_from_numpy_and_as_tensor_share_memory():
    a = np.ones(3)
    t = ours.from_numpy(a)
    a[0] = 5
    t[1] = 7
    assert t.tolist() == [5.0, 7.0, 1.0] and a.tolist() == [5.0, 7.0, 1.0]
    assert t.dtype == ours.float64 and t.numpy() is a
    b = ours.as_tensor(a)
    a[2] = 9
    assert b[2].item() == 9.0
    c = ours.tensor(a)  # torch.tensor copies
    a[2] = 0
    assert c[2].item() == 9.0
    assert ours.as_tensor(b) is b


def test_cpu_is_accepted_and_cuda_is_a_clear_runtime_error():
    assert ours.zeros(2, device="cpu").device == ours.device("cpu")
    assert str(ours.ones(1, device=ours.device("cpu")).device) == "cpu"
    assert repr(ours.device("cuda:1")) == repr(torch.device("cuda:1"))
    assert ours.device("cuda", 0).index == 0
    for make in (lambda: ours.zeros(2, device="cuda"), lambda: ours.ones(2).to("cuda"),
                 lambda: ours.ones(2).cuda(), lambda: ours.tensor([1.0], device="cuda:0"),
                 lambda: ours.randn(3, device=ours.device("cuda")),
                 lambda: ours.ones(2).to(device="cuda")):
        with pytest.raises(RuntimeError, match="CUDA"):
            make()
    assert ours.cuda.is_available() is False and ours.cuda.device_count() == 0


CONVERT = {
    "float": lambda T, x: x.float(), "double": lambda T, x: x.double(),
    "half": lambda T, x: x.half(), "long": lambda T, x: x.long(), "int": lambda T, x: x.int(),
    "bool": lambda T, x: x.bool(), "byte": lambda T, x: x.byte(),
    "short": lambda T, x: x.short(), "char": lambda T, x: x.char(),
    "to dtype": lambda T, x: x.to(T.float64), "to device dtype": lambda T, x: x.to("cpu",
                                                                                  T.int32),
    "to kwargs": lambda T, x: x.to(device="cpu", dtype=T.float16),
    "to tensor": lambda T, x: x.to(T.zeros(1, dtype=T.int64)),
    "type name": lambda T, x: x.type(), "type cast": lambda T, x: x.type(T.int32),
    "type string": lambda T, x: x.type("torch.DoubleTensor"),
    "type legacy": lambda T, x: x.type(T.LongTensor),
    "type_as": lambda T, x: x.type_as(T.zeros(1, dtype=T.float64)),
}


@pytest.mark.parametrize("name", CONVERT)
def test_conversions(name):
    compare(CONVERT[name], np.array([[1.7, -2.2], [0.0, 3.5]], np.float32))


def test_conversions_are_differentiable_and_return_self_when_unchanged():
    compare(lambda T, x: x.double() * 2, np.ones(3, np.float32))
    x = ours.ones(3)
    assert x.to(ours.float32) is x and x.float() is x and x.cpu() is x and x.to("cpu") is x
    assert x.to(ours.float32, copy=True) is not x
    assert x.contiguous() is x


def test_type_strings_and_isinstance_with_legacy_types():
    for dtype, name in ((ours.float32, "torch.FloatTensor"), (ours.int64, "torch.LongTensor"),
                        (ours.bool, "torch.BoolTensor"), (ours.uint8, "torch.ByteTensor"),
                        (ours.float16, "torch.HalfTensor"), (ours.int8, "torch.CharTensor")):
        assert ours.zeros(1, dtype=dtype).type() == name
    assert isinstance(ours.ones(1), ours.FloatTensor)
    assert not isinstance(ours.ones(1, dtype=ours.int64), ours.FloatTensor)
    assert isinstance(ours.ones(1, dtype=ours.int64), ours.LongTensor)


NEW = {
    "new_tensor": lambda T, x: x.new_tensor([1, 2]),
    "new_zeros": lambda T, x: x.new_zeros(2, 3),
    "new_zeros tuple": lambda T, x: x.new_zeros((2,)),
    "new_ones dtype": lambda T, x: x.new_ones(2, dtype=T.int64),
    "new_full": lambda T, x: x.new_full((2,), 3),
    "new_empty shape": lambda T, x: x.new_empty(4, 1).shape,
    "new data": lambda T, x: x.new([1, 2]),
    "new sizes": lambda T, x: x.new(2, 3).zero_(),
}


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_new_constructors(name, dtype):
    compare(NEW[name], np.ones(2, dtype))


def test_metadata():
    x = ours.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert repr(x.size()) == "torch.Size([2, 3, 4])" and repr(x.shape[1:]) == "torch.Size([3, 4])"
    assert x.dim() == x.ndim == x.ndimension() == 3
    assert x.numel() == ours.numel(x) == x.nelement() == 24
    assert x.element_size() == 4 and x.is_floating_point() and not x.is_cuda
    assert x.stride() == torch.zeros(2, 3, 4).stride()
    assert ours.is_tensor(x) and not ours.is_tensor(np.zeros(1))
    assert ours.is_floating_point(x) and not ours.zeros(1, dtype=ours.int64).is_floating_point()
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(3)


def test_item_tolist_numpy_and_python_conversions():
    x = ours.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]] and x[0, 1].item() == 2.0
    assert float(x[0, 0]) == 1.5 and int(x[0, 0]) == 1 and bool(x[0, 0])
    assert f"{x[0, 0]:.2f}" == "1.50"
    assert [10, 20, 30][ours.tensor(2)] == 30
    assert isinstance(ours.tensor(3).item(), int)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to "
                                           "Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is "
                                           "ambiguous"):
        bool(x)
    y = ours.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        y.numpy()
    assert y.detach().numpy().tolist() == [1.0, 1.0]


def test_detach_clone_data_and_copying():
    x = ours.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d[0] = 5.0  # detach shares memory
    assert x[0].item() == 5.0 and not d.requires_grad
    c = (x * 1).clone()
    assert c.grad_fn.name() == "CloneBackward0"
    x.data[1] = 7.0
    assert x.tolist() == [5.0, 7.0]
    x.grad = ours.ones(2)
    y = copy.deepcopy(x)
    assert y.requires_grad and y.tolist() == x.tolist() and y.grad.tolist() == [1.0, 1.0]
    y.data[0] = 0.0
    assert x[0].item() == 5.0
    z = pickle.loads(pickle.dumps(x))
    assert z.requires_grad and z.tolist() == [5.0, 7.0]
    p = copy.deepcopy(ours.nn.Parameter(ours.ones(2)))
    assert type(p).__name__ == "Parameter" and p.requires_grad
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(x * 2)


def test_dtype_utilities():
    assert ours.promote_types(ours.int32, ours.float16) == ours.float16
    assert ours.result_type(ours.tensor([1]), 1.0) == ours.float32
    assert ours.can_cast(ours.float32, ours.int32) is False
    assert ours.can_cast(ours.int32, ours.float32) is True
    f = ours.finfo(ours.float32)
    t = torch.finfo(torch.float32)
    assert (f.eps, f.max, f.min, f.tiny, f.bits) == (t.eps, t.max, t.min, t.tiny, t.bits)
    assert ours.iinfo(ours.int64).max == torch.iinfo(torch.int64).max
    ours.set_default_dtype(ours.float64)
    try:
        assert ours.tensor([1.5]).dtype == ours.float64 and ours.zeros(1).dtype == ours.float64
        assert (ours.tensor([1, 2]) / 2).dtype == ours.float64
    finally:
        ours.set_default_dtype(ours.float32)
