"""torch.save / torch.load in PyTorch's zip format, checked against real PyTorch both ways."""

from __future__ import annotations

import collections
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import frontends.torch_like as tl

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _trained_torch_model():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(5, 3)).pow(2).sum().backward()
    opt.step()
    return model, opt


def _assert_same(ours, theirs) -> None:
    """ours (torch_like structure) equals theirs (real torch structure): types, keys, order."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tl.Tensor)
        expected = theirs.detach().numpy()
        got = ours.detach().numpy()
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        assert ours.requires_grad == theirs.requires_grad
        assert isinstance(ours, tl.nn.Parameter) == isinstance(theirs, torch.nn.Parameter)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs)
        assert list(ours.keys()) == list(theirs.keys())
        for k in theirs:
            _assert_same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
    else:
        assert type(ours) is type(theirs) and ours == theirs


def test_torch_state_dict_and_optimizer_load_here(tmp_path):
    model, opt = _trained_torch_model()
    torch.save(model.state_dict(), tmp_path / "model.pt")
    torch.save(opt.state_dict(), tmp_path / "opt.pt")
    sd = tl.load(tmp_path / "model.pt")
    assert isinstance(sd, collections.OrderedDict)
    _assert_same(sd, model.state_dict())
    _assert_same(tl.load(str(tmp_path / "opt.pt")), opt.state_dict())


def test_torch_state_dict_loads_into_our_model(tmp_path):
    model, _ = _trained_torch_model()
    torch.save(model.state_dict(), tmp_path / "m.pt")
    ours = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.ReLU(), tl.nn.Linear(4, 2))
    ours.load_state_dict(tl.load(tmp_path / "m.pt"))
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(tl.tensor(x)).detach().numpy(),
                               model(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_our_state_dict_and_optimizer_load_in_torch(tmp_path):
    tl.manual_seed(0)
    model = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.ReLU(), tl.nn.Linear(4, 2))
    opt = tl.optim.Adam(model.parameters(), lr=0.01)
    model(tl.randn(5, 3)).pow(2).sum().backward()
    opt.step()
    tl.save(model.state_dict(), tmp_path / "model.pt")
    tl.save(opt.state_dict(), tmp_path / "opt.pt")
    sd = torch.load(tmp_path / "model.pt", weights_only=True)
    _assert_same(model.state_dict(), sd)
    osd = torch.load(tmp_path / "opt.pt", weights_only=True)
    _assert_same(opt.state_dict(), osd)
    # and they are usable there
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    twin.load_state_dict(sd)
    torch.optim.Adam(twin.parameters(), lr=0.01).load_state_dict(osd)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_both_ways(tmp_path, dtype):
    values = np.arange(-3, 3).reshape(2, 3)
    array = (values > 0) if dtype == "bool" else values.astype(dtype)
    if dtype == "uint8":
        array = np.abs(values).astype(dtype)
    tl.save(tl.tensor(array), tmp_path / "ours.pt")
    back = torch.load(tmp_path / "ours.pt", weights_only=True)
    np.testing.assert_array_equal(back.numpy(), array)
    assert back.numpy().dtype == array.dtype
    torch.save(torch.from_numpy(array), tmp_path / "theirs.pt")
    ours = tl.load(tmp_path / "theirs.pt")
    np.testing.assert_array_equal(ours.numpy(), array)
    assert ours.dtype == array.dtype


def test_nested_containers_and_primitives_both_ways(tmp_path):
    def build(lib):
        return {"list": [lib.ones(2), (1, "a", None, 2.5, True, b"raw")],
                "tuple": (lib.zeros(()), {"deep": [lib.arange(4).reshape(2, 2)]}),
                "set": {1, 2}, "size": lib.Size([2, 3]), "dtype": lib.float16,
                "param": lib.nn.Parameter(lib.ones(3)),
                "frozen": lib.nn.Parameter(lib.ones(1), requires_grad=False),
                "od": collections.OrderedDict([("z", 1), ("a", 2)])}

    tl.save(build(tl), tmp_path / "ours.pt")
    theirs = torch.load(tmp_path / "ours.pt", weights_only=True)
    assert theirs["dtype"] is torch.float16 and theirs["size"] == torch.Size([2, 3])
    theirs_nodtype = {k: v for k, v in theirs.items() if k != "dtype"}
    ours_back = tl.load(tmp_path / "ours.pt")
    assert ours_back["dtype"] == tl.float16
    _assert_same({k: v for k, v in ours_back.items() if k != "dtype"}, theirs_nodtype)
    torch.save(build(torch), tmp_path / "theirs.pt")
    loaded = tl.load(tmp_path / "theirs.pt")
    assert isinstance(loaded["size"], tl.Size) and loaded["size"] == (2, 3)
    assert loaded["dtype"] == tl.float16
    _assert_same({k: v for k, v in loaded.items() if k != "dtype"},
                 {k: v for k, v in build(torch).items() if k != "dtype"})


def test_views_of_one_storage_share_memory(tmp_path):
    base = torch.arange(6.0)
    torch.save({"base": base, "view": base[2:].view(2, 2).t()}, tmp_path / "v.pt")
    d = tl.load(tmp_path / "v.pt")
    np.testing.assert_array_equal(d["view"].numpy(), base[2:].view(2, 2).t().numpy())
    assert np.shares_memory(d["base"].array, d["view"].array)


def test_bytesio_round_trip():
    buf = io.BytesIO()
    obj = {"w": tl.tensor([[1.0, 2.0]]), "n": [3, "x"]}
    tl.save(obj, buf)
    buf.seek(0)
    back = tl.load(buf)
    np.testing.assert_array_equal(back["w"].numpy(), obj["w"].numpy())
    assert back["n"] == [3, "x"]
    buf.seek(0)
    assert torch.load(buf, weights_only=True)["n"] == [3, "x"]


def test_archive_layout_matches_torch(tmp_path):
    tl.save({"a": tl.ones(2)}, tmp_path / "x.pt")
    names = zipfile.ZipFile(tmp_path / "x.pt").namelist()
    for record in ("x/data.pkl", "x/data/0", "x/version", "x/byteorder",
                   "x/.data/serialization_id"):
        assert record in names
    assert os.listdir(tmp_path) == ["x.pt"]  # the temp file was renamed away
    with zipfile.ZipFile(tmp_path / "x.pt") as zf:  # storages start 64-byte aligned, as torch's
        for info in zf.infolist():
            assert (info.header_offset + 30 + len(info.filename) + len(info.extra)) % 64 == 0
    loaded = torch.load(tmp_path / "x.pt", mmap=True, weights_only=True)
    assert loaded["a"].tolist() == [1.0, 1.0]


def test_weights_only_false_allows_trusted_globals(tmp_path):
    import datetime
    tl.save({"when": datetime.date(2020, 1, 2), "w": tl.ones(1)}, tmp_path / "d.pt")
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL datetime.date"):
        tl.load(tmp_path / "d.pt")
    assert tl.load(tmp_path / "d.pt", weights_only=False)["when"] == datetime.date(2020, 1, 2)


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


def test_foreign_global_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    with zipfile.ZipFile(tmp_path / "evil.pt", "w") as zf:
        zf.writestr("evil/data.pkl", pickle.dumps({"x": _Evil(str(marker))}, protocol=2))
        zf.writestr("evil/version", "3\n")
    with pytest.raises(pickle.UnpicklingError, match=r"Unsupported global: GLOBAL "
                                                     r"(os|posix)\.system"):
        tl.load(tmp_path / "evil.pt")
    assert not marker.exists()


def test_failed_save_leaves_nothing_behind(tmp_path):
    with pytest.raises((pickle.PicklingError, AttributeError)):
        tl.save({"bad": lambda: 0}, tmp_path / "f.pt")
    assert os.listdir(tmp_path) == []  # no temp file and no half-written target


def test_truncated_file_gives_clear_error(tmp_path):
    tl.save({"w": tl.ones(100)}, tmp_path / "t.pt")
    data = (tmp_path / "t.pt").read_bytes()
    (tmp_path / "t.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="PytorchStreamReader failed reading zip archive"):
        tl.load(tmp_path / "t.pt")
    with pytest.raises(RuntimeError, match="PytorchStreamReader"):
        tl.load(io.BytesIO(b"not a zip file"))


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        tl.load(tmp_path / "nope.pt")
