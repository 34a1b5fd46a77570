"""Pass rate of onnx's node test cases per op type, for closing notes:

    python -m tests.backends.onnx_node_report

Each case is counted under the op it tests: its single node's op type, or for a function-expanded
case (test_x_expanded, test_x_expanded_ver18) the op of test_x. Ops without any case the reader
can read are summarized on one line.
"""

from __future__ import annotations

import collections
import sys
import warnings
from dataclasses import dataclass, field

import backends.numpy  # noqa: F401  (activates the eager interpreter, as tests/conftest.py does)
from core_ir.op import ONNX_DOMAIN, REGISTRY
from tests.backends.test_onnx_node_cases import (
    KNOWN_FAILURES,
    NOT_REGISTERED,
    NodeCase,
    has_random_outputs,
    load_node_cases,
    run_case,
    skip_reason,
)


@dataclass
class OpTally:
    passed: int = 0
    xfail: int = 0
    failed: list[str] = field(default_factory=list)
    skipped: collections.Counter = field(default_factory=collections.Counter)

    @property
    def total(self) -> int:
        return self.passed + self.xfail + len(self.failed) + sum(self.skipped.values())


def op_under_test(case: NodeCase, single_op: dict[str, str]) -> str:
    base = case.name.split("_expanded")[0]
    if base in single_op:
        return single_op[base]
    return "+".join(sorted({n.op_type for n in case.model.graph.node}))


def outcome(case: NodeCase) -> tuple[str, str]:
    """('skipped', reason kind) | ('passed', '') | ('xfail', '') | ('failed', what went wrong)."""
    reason = skip_reason(case)
    if reason is not None:
        if reason.startswith(NOT_REGISTERED):
            return "skipped", NOT_REGISTERED
        return "skipped", reason.split(": ", 1)[1]  # the element types: "float8", "string", ...
    try:
        run_case(case)
    except Exception as exc:  # noqa: BLE001  (a report: every failure is counted, none raised)
        if case.name in KNOWN_FAILURES:
            return "xfail", ""
        return "failed", f"{case.name}: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    if case.name in KNOWN_FAILURES:  # strict xfail: the test suite fails on it too
        return "failed", f"{case.name}: passes, but KNOWN_FAILURES still lists it"
    return "passed", ""


def tally(cases: list[NodeCase]) -> dict[str, OpTally]:
    single_op = {c.name: c.model.graph.node[0].op_type for c in cases
                 if len(c.model.graph.node) == 1}
    table: dict[str, OpTally] = collections.defaultdict(OpTally)
    for case in cases:
        row = table[op_under_test(case, single_op)]
        kind, detail = outcome(case)
        if kind == "skipped":
            row.skipped[detail] += 1
        elif kind == "failed":
            row.failed.append(detail)
        else:
            setattr(row, kind, getattr(row, kind) + 1)
    return table


def _ran_any(row: OpTally) -> bool:
    return row.total > row.skipped[NOT_REGISTERED]


def print_report(table: dict[str, OpTally], cases: list[NodeCase], out=sys.stdout) -> None:
    rows = {op: row for op, row in sorted(table.items()) if _ran_any(row)}
    w = max(map(len, rows), default=2)
    print(f"{'op':<{w}} {'passed/total':>12} {'xfail':>6} {'failed':>6}  skipped", file=out)
    for op, r in rows.items():
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(r.skipped.items()))
        print(f"{op:<{w}} {f'{r.passed}/{r.total}':>12} {r.xfail or '':>6} "
              f"{len(r.failed) or '':>6}  {skipped}", file=out)
    _print_totals(table, rows, cases, out)


def _print_totals(table: dict[str, OpTally], rows: dict[str, OpTally], cases: list[NodeCase],
                  out) -> None:
    all_rows = list(table.values())
    passed = sum(r.passed for r in all_rows)
    ran = sum(r.passed + r.xfail + len(r.failed) for r in all_rows)
    print(f"\n{len(rows)} op types, {passed}/{ran} runnable cases passed, "
          f"{sum(r.xfail for r in all_rows)} known failures (xfail), "
          f"{sum(len(r.failed) for r in all_rows)} unexpected failures.", file=out)
    missing = sorted(op for op in table if op not in rows)
    n_missing = sum(table[op].total for op in missing)
    print(f"{n_missing} cases skipped for {len(missing)} op types not in the registry: "
          f"{', '.join(missing)}", file=out)
    random = [c.name for c in cases if has_random_outputs(c) and skip_reason(c) is None]
    if random:
        print(f"{len(random)} cases of random ops compared by shape and dtype only: "
              f"{', '.join(random)}", file=out)
    untested = sorted(name for dom, name in REGISTRY if dom == ONNX_DOMAIN and name not in rows)
    if untested:
        print(f"registered ONNX ops without a runnable node case: {', '.join(untested)}", file=out)
    failures = [f for r in all_rows for f in r.failed]
    if failures:
        print("\nunexpected failures:", *failures, sep="\n  ", file=out)


def main() -> None:
    warnings.simplefilter("ignore", RuntimeWarning)  # IEEE edge cases hit on purpose (log(0))
    cases = load_node_cases()
    print_report(tally(cases), cases)


if __name__ == "__main__":
    main()
