"""What notebooks use beside the Cluster facade: ``net.py`` (``c.http``, ``c.dns``,
``c.port_forward``: the notebook's way onto the cluster network)."""
