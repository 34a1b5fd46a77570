"""keras.layers preprocessing layers: Normalization, Rescaling; the lookups and encoders that
learn state with `adapt` (TextVectorization, StringLookup, IntegerLookup, CategoryEncoding,
Hashing, Discretization); image augmentation (RandomFlip, RandomRotation, RandomZoom,
RandomTranslation, RandomContrast). String values live on the host (see tf_like/_strings.py):
layers that read strings run outside the IR and hand integer tensors to it."""

from ._normalization import Normalization, Rescaling
from .augmentation import RandomContrast, RandomFlip, RandomRotation, RandomTranslation, RandomZoom
from .encoding import CategoryEncoding, Discretization, Hashing
from .lookup import IntegerLookup, StringLookup
from .text_vectorization import TextVectorization

__all__ = ["CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "Normalization",
           "RandomContrast", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom",
           "Rescaling", "StringLookup", "TextVectorization"]
