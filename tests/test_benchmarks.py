"""The benchmarks still run (at toy sizes): their figures are only worth quoting if they do.

The figures themselves are not asserted here (speed goals live in ``benchmarks/``, not in
timed tests); each benchmark must finish, exit 0 and print the lines it promises.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "bench_apiserver.py": (["--n", "200"], ["creates/s"]),
    "bench_pods.py": (["--nodes", "5", "--pods", "40"], ["pods/s", "10 nodes, 30 pods"]),
    "bench_scheduler.py": (["--nodes", "10", "--pods", "50"], ["pods"]),
    "bench_controllers.py": (["--nodes", "20", "--deployments", "3", "--replicas", "5"],
                             ["to fully available", "rolling update of all", "CPU", "peak RSS"]),
    "bench_network.py": (["--services", "10", "--endpoints", "2", "--requests", "200"], []),
    "bench_server.py": (["--pods", "20", "--requests", "5", "--clients", "1", "--watches", "2",
                         "--writes", "20", "--writers", "1"], []),
    "bench_fuzz_http.py": (["--requests", "60"], ["5xx responses:            0", "server still answering:   yes"]),
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs_at_toy_size(script):
    args, expected = CASES[script]
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    for text in expected:
        assert text in out.stdout, (text, out.stdout[-2000:])
