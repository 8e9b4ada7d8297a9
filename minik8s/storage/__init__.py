"""Storage: where a pod's data lives and how long it lives.

* ``volumes.py`` - the kubelet's volume manager (emptyDir, hostPath, configMap, secret,
  downwardAPI, projected, persistentVolumeClaim) and the cluster's storage backend;
* ``pv_controller.py`` - the PersistentVolume controller: binds claims to volumes, reclaims
  released volumes (https://kubernetes.io/docs/concepts/storage/persistent-volumes/);
* ``provisioner.py`` - a dynamic provisioner for StorageClasses and the default StorageClass
  (https://kubernetes.io/docs/concepts/storage/dynamic-provisioning/).
"""
