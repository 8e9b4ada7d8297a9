"""Storage: where a pod's data lives and how long it lives.

* ``backend.py`` - the cluster's storage backend (the disks behind CSI/nfs PersistentVolumes, and
  which node each is attached to); the kubelet's volume manager is ``minik8s/kubelet/volumes.py``;
* ``pv_controller.py`` - the PersistentVolume controller: binds claims to volumes, reclaims
  released volumes (https://kubernetes.io/docs/concepts/storage/persistent-volumes/);
* ``provisioner.py`` - a dynamic provisioner for StorageClasses and the default StorageClass
  (https://kubernetes.io/docs/concepts/storage/dynamic-provisioning/).
"""
