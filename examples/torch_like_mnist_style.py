"""Ordinary PyTorch code, MNIST-tutorial style, with only the imports changed (`torch` ->
`frontends.torch_like`).

The data are synthetic 1x28x28 "digits" (each class a fixed pattern of random 4x4-pixel
blocks, shifted by up to two pixels and noised), so the example needs no download and runs in
seconds. Everything below the imports is the code a PyTorch user would write: a Dataset,
DataLoaders, an nn.Module CNN, cross_entropy, Adam, a StepLR schedule, a training loop,
evaluation under no_grad.

    python examples/torch_like_mnist_style.py
"""

from __future__ import annotations

import time

import numpy as np

# the only change: these lines said `torch` where they now say `frontends.torch_like`
import frontends.torch_like as torch
import frontends.torch_like.nn.functional as F
from frontends.torch_like import nn, optim
from frontends.torch_like.optim.lr_scheduler import StepLR
from frontends.torch_like.utils.data import DataLoader, Dataset


class SyntheticDigits(Dataset):
    """10 classes; a sample is its class's template (random 4x4-pixel blocks), shifted by up
    to two pixels, plus noise."""

    def __init__(self, n: int, seed: int):
        rng = np.random.default_rng(seed)
        coarse = np.random.default_rng(1234).random((10, 7, 7)) > 0.7  # 4x4-pixel "strokes"
        templates = np.kron(coarse, np.ones((4, 4))).astype(np.float32)
        self.labels = rng.integers(0, 10, n)
        shifts = rng.integers(-2, 3, (n, 2))
        images = np.stack([np.roll(templates[c], tuple(s), axis=(0, 1))
                           for c, s in zip(self.labels, shifts)])
        noisy = images + 0.3 * rng.standard_normal(images.shape)
        self.images = ((noisy - 0.15) / 0.4).astype(np.float32)[:, None]  # like Normalize

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return torch.from_numpy(self.images[idx]), int(self.labels[idx])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(8 * 12 * 12, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout(torch.flatten(x, 1))
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def train(model, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.cross_entropy(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % 10 == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(loader.dataset)}]"
                  f"\tLoss: {loss.item():.6f}")


def test(model, loader):
    model.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            test_loss += F.cross_entropy(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    n = len(loader.dataset)
    print(f"Test set: Average loss: {test_loss / n:.4f}, "
          f"Accuracy: {correct}/{n} ({100.0 * correct / n:.0f}%)")
    return correct / n


def main():
    torch.manual_seed(1)
    train_loader = DataLoader(SyntheticDigits(600, seed=0), batch_size=64, shuffle=True)
    test_loader = DataLoader(SyntheticDigits(500, seed=1), batch_size=500)
    model = Net()
    print(model)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    start = time.perf_counter()
    for epoch in range(1, 4):
        train(model, train_loader, optimizer, epoch)
        test(model, test_loader)
        scheduler.step()
    print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
