"""A DCGAN that learns to draw handwritten digits, PyTorch style (only the imports changed).

Generator: noise -> Linear -> ConvTranspose2d + BatchNorm2d + ReLU -> ConvTranspose2d -> 8x8
image. Discriminator: strided Conv2d + LeakyReLU (+ BatchNorm2d) -> one logit. The two networks
take turns with their own Adam optimizers, as in Radford et al. (2015). After every epoch a grid
of samples from the same fixed noise is saved as a PNG, so the drawings can be watched improving.

    python examples/gan_digits_torch.py          # ~30 s; PNGs in ./duet_output/
"""

from __future__ import annotations

import numpy as np

import frontends.torch_like as torch  # the only change: `import torch`
from duet.data import epochs, load_digits, output_path
from duet.onnx_check import verify_onnx
from duet.png import save_grid
from duet.sample_quality import nearest_real_distance
from frontends.torch_like import nn, optim
from frontends.torch_like.utils.data import DataLoader, TensorDataset

NOISE = 32
torch.manual_seed(0)
(x_train, _), _ = load_digits()
real_images = x_train * 2 - 1  # [-1, 1], the generator's tanh range
loader = DataLoader(TensorDataset(torch.from_numpy(real_images[:, None])), batch_size=64,
                    shuffle=True, drop_last=True)

generator = nn.Sequential(
    nn.Linear(NOISE, 64 * 2 * 2), nn.Unflatten(1, (64, 2, 2)), nn.ReLU(),
    nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),  # 2x2 -> 4x4
    nn.BatchNorm2d(32), nn.ReLU(),
    nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1),   # 4x4 -> 8x8
    nn.Tanh(),
)
discriminator = nn.Sequential(
    nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.LeakyReLU(0.2),            # 8x8 -> 4x4
    nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),  # -> 2x2
    nn.Flatten(), nn.Linear(64 * 2 * 2, 1),
)
criterion = nn.BCEWithLogitsLoss()
opt_g = optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
opt_d = optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
fixed_noise = torch.randn(32, NOISE)


def samples() -> np.ndarray:
    generator.eval()
    with torch.no_grad():
        images = generator(fixed_noise)[:, 0].numpy()
    generator.train()
    return (images + 1) / 2  # back to [0, 1]


start_distance = nearest_real_distance(samples(), x_train)
for epoch in range(epochs(full=30, quick=6)):
    for (real,) in loader:
        ones, zeros = torch.ones(len(real), 1), torch.zeros(len(real), 1)
        fake = generator(torch.randn(len(real), NOISE))
        # discriminator: real -> 1, fake -> 0 (fake detached: G is not updated here)
        opt_d.zero_grad()
        loss_d = (criterion(discriminator(real), ones)
                  + criterion(discriminator(fake.detach()), zeros))
        loss_d.backward()
        opt_d.step()
        # generator: make D say 1 on fakes
        opt_g.zero_grad()
        loss_g = criterion(discriminator(fake), ones)
        loss_g.backward()
        opt_g.step()
    grid = save_grid(output_path(f"gan_torch_epoch{epoch + 1:02d}.png"), samples())
    print(f"epoch {epoch + 1}: loss_D {loss_d.item():.3f}  loss_G {loss_g.item():.3f}  "
          f"samples -> {grid}")

end_distance = nearest_real_distance(samples(), x_train)
print(f"distance of samples to the nearest real digit: {start_distance:.3f} before training, "
      f"{end_distance:.3f} after")
assert np.isfinite(loss_d.item()) and np.isfinite(loss_g.item())
assert end_distance < 0.75 * start_distance, (start_distance, end_distance)

# ---- ship the generator: ONNX, checked by onnxruntime --------------------------------------
generator.eval()
path = output_path("gan_generator_torch.onnx")
torch.onnx.export(generator, fixed_noise[:1], path, input_names=["noise"],
                  output_names=["image"], dynamic_axes={"noise": {0: "batch"}, "image": {0: "batch"}})
with torch.no_grad():
    verify_onnx(path, [fixed_noise.numpy()], generator(fixed_noise).numpy())
