"""Storage: where a pod's data lives and how long it lives.

* ``backend.py`` - the cluster's storage backend (the disks behind CSI/nfs PersistentVolumes, and
  which node each is attached to); the kubelet's volume manager is ``minik8s/kubelet/volumes.py``.

The PersistentVolume controller, the provisioner and the protection controller run in
kube-controller-manager: :mod:`minik8s.controllers.persistentvolume`,
:mod:`minik8s.controllers.provisioner`, :mod:`minik8s.controllers.storageprotection`.
"""
