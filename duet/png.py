"""A numpy-only PNG writer for sample grids (the GAN examples save one per epoch).

Why not matplotlib or Pillow: a grid of generated digits is just an image, and PNG needs only
zlib and a CRC, both in the standard library, so the examples keep Duet's two dependencies."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_png(pixels: np.ndarray) -> bytes:
    """uint8 (H, W) grayscale or (H, W, 3) RGB -> PNG bytes (8 bits per channel)."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or (
            pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ValueError(f"encode_png expects uint8 (H, W) or (H, W, 3) pixels, got "
                         f"{pixels.dtype} {pixels.shape}")
    height, width = pixels.shape[:2]
    color_type = 0 if pixels.ndim == 2 else 2
    rows = pixels.reshape(height, -1)
    # filter type 0 (None) in front of every scanline
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def image_grid(images: np.ndarray, columns: int = 8, scale: int = 4, pad: int = 1) -> np.ndarray:
    """(N, H, W) floats in [0, 1] -> one uint8 picture: `columns` per row, each image enlarged
    `scale` times (8x8 digits are too small to see otherwise), `pad` pixels of grey between."""
    images = np.clip(np.asarray(images, np.float64), 0.0, 1.0)
    n, h, w = images.shape
    rows = -(-n // columns)
    big = np.kron(images, np.ones((scale, scale)))
    cell_h, cell_w = h * scale + pad, w * scale + pad
    grid = np.full((rows * cell_h + pad, columns * cell_w + pad), 0.5)
    for i, image in enumerate(big):  # a few dozen tiles: a loop is clearer than a reshape dance
        r, c = divmod(i, columns)
        grid[pad + r * cell_h: (r + 1) * cell_h, pad + c * cell_w: (c + 1) * cell_w] = image
    return (grid * 255 + 0.5).astype(np.uint8)


def save_grid(path: str, images: np.ndarray, columns: int = 8, scale: int = 4) -> str:
    """Write `image_grid(images)` as a PNG file; returns the path."""
    with open(path, "wb") as f:
        f.write(encode_png(image_grid(images, columns, scale)))
    return path
