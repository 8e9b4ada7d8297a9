"""minik8s: a compact, deterministic Kubernetes in Python, for learning.

    from minik8s import Cluster
    c = Cluster(nodes=3, seed=0)
    c.apply(open("deployment.yaml").read())
    c.run(30)
    print(c.kubectl("get pods -o wide"))
"""

from .clock import Timeout
from .cluster import Cluster
from .errors import ApiError
from .manifests import load_manifests

__all__ = ["ApiError", "Cluster", "Timeout", "load_manifests"]
__version__ = "0.1.0"
