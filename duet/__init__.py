"""duet: the command line and the pieces the examples share (digits data, a PNG writer, running
unmodified PyTorch/Keras scripts on the facades). The library itself is core_ir/, frontends/
and backends/; this package only drives it."""

__version__ = "0.1.0"
