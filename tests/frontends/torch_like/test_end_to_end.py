"""End to end: an MLP and a small CNN, written as ordinary PyTorch code against
frontends.torch_like, train on small synthetic datasets to a stated held-out accuracy, in a few
seconds each."""

from __future__ import annotations

import numpy as np

import frontends.torch_like as torch
from frontends.torch_like import nn, optim
from frontends.torch_like.utils.data import DataLoader, TensorDataset, random_split

MLP_ACCURACY = 0.95  # XOR of four Gaussian blobs: not linearly separable, easy for an MLP
CNN_ACCURACY = 0.95  # bar orientation in noisy 8x8 images


def xor_blobs(n: int, rng: np.random.Generator):
    """Four blobs at (+-1, +-1); the label is the XOR of the signs."""
    signs = rng.choice([-1.0, 1.0], size=(n, 2))
    x = signs + 0.35 * rng.normal(size=(n, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)
    return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y)


def bar_images(n: int, rng: np.random.Generator, size: int = 8):
    """Class 0: a horizontal bar, 1: a vertical bar, 2: a diagonal; random position, noise."""
    y = rng.integers(0, 3, n)
    pos = rng.integers(1, size - 1, n)
    images = 0.3 * rng.normal(size=(n, 1, size, size))
    images[y == 0, 0, pos[y == 0], :] += 1.0
    images[y == 1, 0, :, pos[y == 1]] += 1.0
    offsets = pos[y == 2, None, None] - size // 2  # which diagonal: col - row
    cols_minus_rows = np.arange(size)[None, :] - np.arange(size)[:, None]
    images[y == 2, 0] += cols_minus_rows[None] == offsets
    return torch.from_numpy(images.astype(np.float32)), torch.from_numpy(y.astype(np.int64))


def train(model, loader, epochs: int, lr: float) -> list[float]:
    optimizer = optim.Adam(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    losses = []
    model.train()
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        losses.append(total / len(loader.dataset))
    return losses


@torch.no_grad()
def accuracy(model, dataset) -> float:
    model.eval()
    loader = DataLoader(dataset, batch_size=256)
    correct = sum((model(xb).argmax(dim=1) == yb).sum().item() for xb, yb in loader)
    return correct / len(dataset)


def test_mlp_learns_xor_blobs():
    torch.manual_seed(0)
    x, y = xor_blobs(600, np.random.default_rng(0))
    train_set, test_set = random_split(TensorDataset(x, y), [0.75, 0.25],
                                       generator=torch.Generator().manual_seed(0))
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                          nn.Linear(32, 2))
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    losses = train(model, loader, epochs=15, lr=0.01)
    assert losses[-1] < 0.3 * losses[0]
    assert accuracy(model, test_set) >= MLP_ACCURACY


class SmallCNN(nn.Module):
    def __init__(self, classes: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc(torch.flatten(x, 1))


def test_cnn_learns_bar_orientation():
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    train_set = TensorDataset(*bar_images(480, rng))
    test_set = TensorDataset(*bar_images(240, rng))
    model = SmallCNN()
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    losses = train(model, loader, epochs=8, lr=0.01)
    assert losses[-1] < 0.3 * losses[0]
    assert accuracy(model, test_set) >= CNN_ACCURACY
