"""A minimal CloudNativePG operator simulation for the test API server.

Load it with `--sim tests/apiserver/sim_basic.py`.  Every state change happens
`server.step` seconds (--sim-step, env CNPGOPS_SIM_STEP, default 0.2) after
the previous one, on a timer thread; tests wait for the resulting watch events
or poll, they never sleep.

  Cluster created  -> PVCs and Pods NAME-1..NAME-N (owned by the Cluster,
                      labels cnpg.io/cluster=NAME, cnpg.io/instanceName; the
                      Pods also cnpg.io/instanceRole and role = primary for
                      NAME-1, replica otherwise; phase Running, ready), then
                      one step later a healthy
                      status: phase "Cluster in healthy state",
                      instances/readyInstances = spec.instances, currentPrimary
                      NAME-1, conditions Ready=True and ContinuousArchiving=True.
  Cluster updated  -> (spec.instances changed) the status follows one step later.
  Cluster deleted  -> its PVCs and Pods go with it (garbage collection of owned
                      objects).
  ScheduledBackup  -> status.lastCheckTime; with spec.immediate (and not
  created              suspend) a Backup NAME-YYYYMMDDHHMMSS (label
                      cnpg.io/scheduled-backup=NAME, spec copied, owner per
                      backupOwnerReference) and status.lastScheduleTime.
                      The schedule itself is not run.
  Backup created   -> phase pending, then running (startedAt, backupId,
                      backupName, serverName, destinationPath ...), then
                      completed (stoppedAt, beginWal/endWal, beginLSN/endLSN),
                      one step apart.  A Backup whose Cluster does not exist
                      fails: phase failed, error "Unknown cluster".
"""

import time


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _condition(ctype, reason, message):
    return {"type": ctype, "status": "True", "reason": reason, "message": message,
            "lastTransitionTime": _now()}


class Sim:
    """The simulation; a subclass (sim_real.py) replaces what it makes real."""

    def __init__(self, server):
        self.server = server
        self.store = server.store

    def install(self):
        self.server.on("create", "Cluster", self.cluster_created)
        self.server.on("create", "ScheduledBackup", self.scheduled_created)
        self.server.on("update", "Cluster", self.cluster_updated)
        self.server.on("create", "Backup", self.backup_created)

    def same(self, kind, meta):
        """The current object if it is still the one the event was about."""
        cur = self.store.get(kind, meta["namespace"], meta["name"])
        return cur if cur and cur["metadata"]["uid"] == meta["uid"] else None

    def cluster_healthy(self, meta):
        cur = self.same("Cluster", meta)
        if cur is None:
            return
        name, n = meta["name"], cur["spec"].get("instances", 1)
        status = dict(cur.get("status") or {})
        status.update({
            "phase": "Cluster in healthy state", "instances": n, "readyInstances": n,
            "currentPrimary": name + "-1", "targetPrimary": name + "-1",
            "instanceNames": ["%s-%d" % (name, i) for i in range(1, n + 1)],
            "latestGeneratedNode": n, "writeService": name + "-rw",
            "readService": name + "-r",
            "conditions": [
                _condition("Ready", "ClusterIsReady", "Cluster is Ready"),
                _condition("ContinuousArchiving", "ContinuousArchivingSuccess",
                           "Continuous archiving is working")]})
        self.store.update_status("Cluster", meta["namespace"], name, status)

    def make_instances(self, obj):
        """PVC and Pod NAME-i for each instance, owned by the Cluster."""
        meta = obj["metadata"]
        owner = {"apiVersion": obj["apiVersion"], "kind": "Cluster", "name": meta["name"],
                 "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}
        size = ((obj["spec"].get("storage") or {}).get("size")) or "1Gi"
        for i in range(1, obj["spec"].get("instances", 1) + 1):
            name = "%s-%d" % (meta["name"], i)
            labels = {"cnpg.io/cluster": meta["name"], "cnpg.io/instanceName": name}
            if not self.store.get("PersistentVolumeClaim", meta["namespace"], name):
                self.store.put({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                           "metadata": {"name": name, "namespace": meta["namespace"],
                                        "labels": labels, "ownerReferences": [owner]},
                           "spec": {"accessModes": ["ReadWriteOnce"],
                                    "resources": {"requests": {"storage": size}}},
                           "status": {"phase": "Bound", "capacity": {"storage": size}}})
            if not self.store.get("Pod", meta["namespace"], name):
                role = "primary" if i == 1 else "replica"
                self.store.put({"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": name, "namespace": meta["namespace"],
                                        "labels": dict(labels, **{
                                            "cnpg.io/instanceRole": role, "role": role,
                                            "cnpg.io/podRole": "instance"}),
                                        "ownerReferences": [owner]},
                           "spec": {"containers": [{"name": "postgres",
                                                    "image": obj["spec"].get("imageName") or
                                                    "ghcr.io/cloudnative-pg/postgresql:17"}]},
                           "status": {"phase": "Running", "containerStatuses": [
                               {"name": "postgres", "ready": True, "restartCount": 0}]}})

    def cluster_created(self, obj, _old):
        self.make_instances(obj)
        self.server.after(self.server.step, self.cluster_healthy, obj["metadata"])

    def cluster_updated(self, obj, old):
        if obj["metadata"].get("generation") != (old or {}).get("metadata", {}).get(
                "generation") and not obj["metadata"].get("deletionTimestamp"):
            self.make_instances(obj)
            self.server.after(self.server.step, self.cluster_healthy, obj["metadata"])

    def backup_phase(self, meta, phase):
        cur = self.same("Backup", meta)
        if cur is None:
            return
        cluster_name = ((cur.get("spec") or {}).get("cluster") or {}).get("name")
        cluster = self.store.get("Cluster", meta["namespace"], cluster_name) if cluster_name \
            else None
        status = dict(cur.get("status") or {})
        status["method"] = cur["spec"].get("method", "barmanObjectStore")
        if cluster is None:
            status.update(phase="failed", error="Unknown cluster")
            self.store.update_status("Backup", meta["namespace"], meta["name"], status)
            return
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        if phase == "pending":
            status["phase"] = "pending"
        elif phase == "running":
            status.update({
                "phase": "running", "startedAt": _now(), "backupId": stamp,
                "backupName": "backup-" + stamp.replace("T", ""),
                "serverName": cluster_name,
                "destinationPath": "s3://backups/%s" % cluster_name,
                "instanceID": {"podName": cluster_name + "-1"},
                "online": cur["spec"].get("online", True)})
        else:
            status.update({"phase": "completed", "stoppedAt": _now(),
                           "beginWal": "000000010000000000000002",
                           "endWal": "000000010000000000000003",
                           "beginLSN": "0/2000028", "endLSN": "0/3000100"})
        self.store.update_status("Backup", meta["namespace"], meta["name"], status)
        following = {"pending": "running", "running": "completed"}.get(phase)
        if following:
            self.server.after(self.server.step, self.backup_phase, meta, following)

    def backup_created(self, obj, _old):
        self.server.after(self.server.step, self.backup_phase, obj["metadata"], "pending")

    def scheduled_created(self, obj, _old):
        """ScheduledBackup: with spec.immediate (and not suspended), one Backup
        NAME-YYYYMMDDHHMMSS right away, as the operator does."""
        meta, spec = obj["metadata"], obj.get("spec") or {}
        status = {"lastCheckTime": _now()}
        if spec.get("immediate") and not spec.get("suspend"):
            stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
            bspec = {k: spec[k] for k in ("cluster", "method", "target", "online",
                                          "onlineConfiguration", "pluginConfiguration")
                     if k in spec}
            bmeta = {"name": "%s-%s" % (meta["name"], stamp), "namespace": meta["namespace"],
                     "labels": {"cnpg.io/scheduled-backup": meta["name"]}}
            ref = spec.get("backupOwnerReference", "none")
            if ref == "self":
                bmeta["ownerReferences"] = [{
                    "apiVersion": obj["apiVersion"], "kind": "ScheduledBackup",
                    "name": meta["name"], "uid": meta["uid"], "controller": True,
                    "blockOwnerDeletion": True}]
            elif ref == "cluster":
                cl = self.store.get("Cluster", meta["namespace"], spec["cluster"]["name"])
                if cl:
                    bmeta["ownerReferences"] = [{
                        "apiVersion": cl["apiVersion"], "kind": "Cluster",
                        "name": cl["metadata"]["name"], "uid": cl["metadata"]["uid"],
                        "controller": True, "blockOwnerDeletion": True}]
            self.store.put({"apiVersion": obj["apiVersion"], "kind": "Backup",
                       "metadata": bmeta, "spec": bspec})
            status["lastScheduleTime"] = _now()
        self.store.update_status("ScheduledBackup", meta["namespace"], meta["name"], status)


def register(server):
    Sim(server).install()
