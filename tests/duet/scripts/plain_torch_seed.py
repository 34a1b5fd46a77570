"""An ordinary PyTorch script (no Duet import anywhere): the seed program with fixed initial
weights, printing its losses and final parameters. tests/duet/test_cli.py runs it with real
torch and with `duet exec` and compares the printed numbers."""

import numpy as np
import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 10)).astype(np.float32)
y = (x @ rng.normal(size=(10, 1)) > 0).astype(np.float32)


class LogisticRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(10, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))


model = LogisticRegression()
with torch.no_grad():  # fixed start, so both runs begin from the same weights
    model.linear.weight.copy_(torch.tensor(rng.normal(size=(1, 10)).astype(np.float32) * 0.1))
    model.linear.bias.zero_()
criterion = nn.BCELoss()
optimizer = optim.Adam(model.parameters(), lr=0.05)
loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=16)
for epoch in range(10):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"loss {loss.item():.6f}")
with torch.no_grad():
    accuracy = ((model(torch.from_numpy(x)) > 0.5).float() == torch.from_numpy(y)).float().mean()
print(f"accuracy {accuracy.item():.6f}")
print("weight", " ".join(f"{w:.6f}" for w in model.linear.weight.detach().numpy().ravel()))
