"""The seed's torch.nn program, verbatim apart from the import, on a real binary task.

The task: scikit-learn's breast cancer table (569 tumours, the 10 "mean" measurements of
each, hence the seed's `nn.Linear(10, 1)`): benign or malignant. Everything between the
marker lines is ordinary PyTorch code.

    python examples/seed_torch.py
"""

from __future__ import annotations

import frontends.torch_like as torch  # the only change: this line said `import torch`
from duet.data import load_breast_cancer_10, output_path
from duet.onnx_check import verify_onnx

(x_train, y_train), (x_test, y_test) = load_breast_cancer_10()

# ---- the seed program ------------------------------------------------------------------------
from frontends.torch_like import (
    nn,
    optim,
)
from frontends.torch_like.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)


class LogisticRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(10, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))


model = LogisticRegression()
criterion = nn.BCELoss()
optimizer = optim.Adam(model.parameters(), lr=0.01)
loader = DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)),
                    batch_size=16, shuffle=True)

for epoch in range(10):
    for inputs, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
    print(f"Epoch {epoch + 1}/10, loss: {loss.item():.4f}")

model.eval()
with torch.no_grad():
    predicted = (model(torch.from_numpy(x_test)) > 0.5).float()
    accuracy = (predicted == torch.from_numpy(y_test)).float().mean().item()
# ----------------------------------------------------------------------------------------------

print(f"test accuracy: {accuracy:.3f}")
assert accuracy >= 0.88, accuracy  # measured 0.93

# ---- ship it: ONNX, checked by onnxruntime against Duet's own predictions ------------------
path = output_path("seed_torch.onnx")
torch.onnx.export(model, torch.from_numpy(x_test[:1]), path, input_names=["features"],
                  output_names=["probability"],
                  dynamic_axes={"features": {0: "batch"}, "probability": {0: "batch"}})
with torch.no_grad():
    verify_onnx(path, [x_test], model(torch.from_numpy(x_test)).numpy())
