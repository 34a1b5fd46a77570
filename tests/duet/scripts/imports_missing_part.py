import torch.distributed  # noqa: F401  (Duet has no distributed training)
