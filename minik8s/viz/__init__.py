"""Pictures and widgets of a live minik8s cluster, for the book and for notebooks.

* :func:`diagram` — the cluster drawn with Graphviz (also ``Cluster.diagram()``);
* :class:`Stepper` — the reconcile stepper widget, one frame per control-loop step;
* :func:`timeline` / :class:`Timeline` — pod states over virtual time;
* :func:`show_source` — a minik8s function or class shown by its dotted name.
"""

from .diagram import Diagram, diagram, dot_binary, pod_status, use_dot
from .dns import LookupStepper, dns_diagram
from .resources import resources_diagram
from .source import show_source, source_of
from .services import service_diagram
from .stepper import Stepper
from .storage import storage_diagram
from .timeline import Timeline, timeline

__all__ = ["Diagram", "Stepper", "Timeline", "diagram", "dot_binary", "pod_status", "show_source",
           "source_of", "timeline", "use_dot"]
