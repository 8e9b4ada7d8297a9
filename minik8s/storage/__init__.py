"""Storage: where a pod's data lives and how long it lives.

* ``volumes.py`` - the kubelet's volume manager (emptyDir, hostPath, configMap, secret,
  downwardAPI, projected, persistentVolumeClaim) and the cluster's storage backend.

The PersistentVolume controller, the provisioner and the protection controller run in
kube-controller-manager: :mod:`minik8s.controllers.persistentvolume`,
:mod:`minik8s.controllers.provisioner`, :mod:`minik8s.controllers.storageprotection`.
"""
