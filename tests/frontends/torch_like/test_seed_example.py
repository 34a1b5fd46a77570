"""The issue's seed example: ordinary PyTorch training code, written once as `run(torch)`, runs
with real torch and with frontends.torch_like (only the module object changes) and gives the
same numbers step by step: every loss, the final parameters and the no_grad evaluation."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ttorch

torch = pytest.importorskip("torch")

# float32 tolerance on every step: the same formulas in the same order keep the two within a few
# ulps (measured: 2e-7 relative after 80 Adam steps), so drift would show up here.
FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}


def make_data(n=128, features=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    w = rng.normal(size=(features, 1))
    y = (x @ w + 0.3 * rng.normal(size=(n, 1)) > 0).astype(np.float32)
    return x, y


def run(torch, x, y, init_state=None, batch_size=16, epochs=10):
    """The seed example as a user writes it; `torch` is whichever library runs it."""
    nn, optim = torch.nn, torch.optim
    from_numpy = torch.from_numpy
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset

    class LogisticRegression(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(10, 1)

        def forward(self, x):
            return torch.sigmoid(self.linear(x))

    model = LogisticRegression()
    if init_state is not None:
        model.load_state_dict({k: torch.tensor(v) for k, v in init_state.items()})
    initial = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    criterion = nn.BCELoss()
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    X, Y = from_numpy(x), from_numpy(y)
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size or len(X))

    losses = []
    model.train()
    for epoch in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    model.eval()
    with torch.no_grad():
        probs = model(X)
        accuracy = ((probs > 0.5).float() == Y).float().mean().item()
    final = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return {"initial": initial, "losses": losses, "final": final, "probs": probs.numpy(),
                "accuracy": accuracy, "requires_grad": probs.requires_grad}


@pytest.mark.parametrize("batch_size", [16, None], ids=["minibatch16", "full_batch"])
def test_seed_example_matches_torch_step_by_step(batch_size):
    x, y = make_data()
    theirs = run(torch, x, y, batch_size=batch_size)
    ours = run(ttorch, x, y, init_state=theirs["initial"], batch_size=batch_size)

    assert list(ours["initial"]) == list(theirs["initial"]) == ["linear.weight", "linear.bias"]
    assert len(ours["losses"]) == len(theirs["losses"]) == 10 * (8 if batch_size else 1)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], **FLOAT32)
    for name, value in theirs["final"].items():
        np.testing.assert_allclose(ours["final"][name], value, **FLOAT32, err_msg=name)
    np.testing.assert_allclose(ours["probs"], theirs["probs"], **FLOAT32)
    assert ours["accuracy"] == pytest.approx(theirs["accuracy"])
    assert not ours["requires_grad"] and not theirs["requires_grad"]


def test_seed_example_learns():
    x, y = make_data()
    result = run(ttorch, x, y)
    assert result["losses"][-1] < 0.5 * result["losses"][0]
    assert result["accuracy"] >= 0.9
