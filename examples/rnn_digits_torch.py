"""Recurrent networks read handwritten digits row by row, PyTorch style: each 8x8 image is a
sequence of 8 time steps with 8 features (one pixel row per step). An nn.LSTM and an nn.GRU
(batch_first) are each trained with a plain loop; the last hidden state classifies the digit.

    python examples/rnn_digits_torch.py          # ~30 s, >= 95% test accuracy for both
"""

from __future__ import annotations

import frontends.torch_like as torch  # the only change: `import torch`
from duet.data import epochs, load_digits, output_path, quick_mode
from duet.onnx_check import verify_onnx
from frontends.torch_like import nn, optim
from frontends.torch_like.utils.data import DataLoader, TensorDataset

(x_train, y_train), (x_test, y_test) = load_digits()  # (N, 8, 8): (batch, time, features)
train = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
test_x, test_y = torch.from_numpy(x_test), torch.from_numpy(y_test)


class SequenceClassifier(nn.Module):
    def __init__(self, recurrent: nn.Module, hidden: int = 64):
        super().__init__()
        self.rnn = recurrent
        self.head = nn.Linear(hidden, 10)

    def forward(self, rows):
        outputs, _ = self.rnn(rows)         # (batch, time, hidden)
        return self.head(outputs[:, -1])    # the state after the last row


for name, cls in (("lstm", nn.LSTM), ("gru", nn.GRU)):
    torch.manual_seed(0)
    model = SequenceClassifier(cls(8, 64, batch_first=True))
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(train, batch_size=32, shuffle=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"\n{name.upper()}: {n_params} parameters")
    for epoch in range(epochs(full=15, quick=3)):
        model.train()
        for rows, labels in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(rows), labels)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, test accuracy {accuracy:.4f}")
    assert accuracy >= (0.80 if quick_mode() else 0.95), (name, accuracy)

    # ---- ship it: ONNX (torch's gate order becomes ONNX's), checked by onnxruntime ----------
    path = output_path(f"rnn_digits_{name}_torch.onnx")
    torch.onnx.export(model, test_x[:1], path, input_names=["rows"], output_names=["logits"],
                      dynamic_axes={"rows": {0: "batch"}, "logits": {0: "batch"}})
    with torch.no_grad():
        verify_onnx(path, [x_test], model(test_x).numpy())
