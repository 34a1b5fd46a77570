"""A convolutional network on real handwritten digits, PyTorch style (torch code with only the
imports changed). 8x8 grey images from scikit-learn, channels first as torch has them.

    python examples/cnn_digits_torch.py          # ~15 s, >= 97% test accuracy
"""

from __future__ import annotations

import time

import frontends.torch_like as torch  # the only change: `import torch` ...
import frontends.torch_like.nn.functional as F  # ... and `import torch.nn.functional as F`
from duet.data import epochs, load_digits, output_path, quick_mode
from duet.onnx_check import verify_onnx
from frontends.torch_like import nn, optim
from frontends.torch_like.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
(x_train, y_train), (x_test, y_test) = load_digits()
train = TensorDataset(torch.from_numpy(x_train[:, None]), torch.from_numpy(y_train))
test_x, test_y = torch.from_numpy(x_test[:, None]), torch.from_numpy(y_test)  # (N, 1, 8, 8)


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(64 * 4 * 4, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 8x8 -> 4x4
        x = F.relu(self.conv3(x))
        return self.fc(self.dropout(torch.flatten(x, 1)))


model = DigitsCNN()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
loader = DataLoader(train, batch_size=32, shuffle=True)

for epoch in range(epochs(full=12, quick=3)):
    model.train()
    start, total = time.perf_counter(), 0.0
    for images, labels in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(f"epoch {epoch + 1}: loss {total / len(train):.4f}, test accuracy {accuracy:.4f} "
          f"({time.perf_counter() - start:.1f} s)")

assert accuracy >= (0.90 if quick_mode() else 0.97), accuracy

# ---- ship it: ONNX with a dynamic batch dimension, checked by onnxruntime -------------------
path = output_path("cnn_digits_torch.onnx")
torch.onnx.export(model, test_x[:1], path, input_names=["image"], output_names=["logits"],
                  dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
with torch.no_grad():
    verify_onnx(path, [x_test[:, None]], model(test_x).numpy())
