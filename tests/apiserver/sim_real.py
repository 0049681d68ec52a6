"""The operator simulation of sim_basic.py, with a real PostgreSQL behind every
Cluster that archives to, or recovers from, an S3 store (moto on loopback).

Load it with `--sim tests/apiserver/sim_real.py`.  What is real:

  Cluster created, bootstrap initdb (or none)
      -> tests/sandbox/pg.sh init + start in STATEDIR/pg/NS-NAME-UID8, with
         archive_command = barman-cloud-wal-archive into the Cluster's own
         archive (a barman-cloud plugin entry with isWALArchiver, or
         spec.backup.barmanObjectStore; serverName defaults to the Cluster's
         name), after checking that archive is empty, as CNPG does.
  Cluster created, bootstrap.recovery
      -> tests/sandbox/restore.sh: barman-cloud-restore of
         recoveryTarget.backupID (or the newest backup that ended before
         targetTime, or the newest) from the externalClusters entry named by
         recovery.source (plugin barmanObjectName/serverName, or an inline
         barmanObjectStore), WAL replay with barman-cloud-wal-restore up to the
         recovery target, promotion, and archiving into the Cluster's own
         archive when it has one (checked empty first).
  Either way the status goes "Setting up primary" -> "Cluster in healthy
  state" when PostgreSQL is up, or stays in "Setting up primary" with
  phaseReason and a Ready=False condition naming the failure.
  Backup created (its Cluster real)
      -> barman-cloud-backup of that PostgreSQL into the Cluster's archive;
         the status (backupId, beginWal/endWal, LSNs, times) is read from
         the backup.info barman wrote.  A failure: phase failed, error.
  Job created with the label cnpgops.io/drill-check (drill --check-sql)
      -> its psql -c SQL runs on the PostgreSQL of the Cluster its PGHOST
         (NAME-rw) names; a Pod JOB-check records the output as its log
         (pods/log) and the Job succeeds or fails with psql.
  Cluster deleted
      -> its PostgreSQL is stopped and its directory removed (the PVCs go at
         once, by garbage collection, as in sim_basic).

Credentials come from the Secrets the configuration names, the endpoint from
endpointURL: nothing is taken from the test's environment.  Each PostgreSQL
is a child of pg_ctl, not of the server: tests/apiserver/stop.sh stops every
one under STATEDIR/pg after the server.  STATEDIR and its parents must be
traversable by the sandbox's OS user (tests/sandbox/README.md).

STATEDIR/pg/NS-NAME-UID8/ is the data directory; STATEDIR/pg/NS-NAME.uid
holds the uid of the Cluster it serves now, so a test finds the directory of
the current Cluster NAME.  Each operation's output is in that directory
(setup.log, backup-NAME.log).
"""

import base64
import importlib.util
import os
import shutil
import signal
import subprocess
import threading
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_SANDBOX = os.path.normpath(os.path.join(_HERE, "..", "sandbox"))
_spec = importlib.util.spec_from_file_location("sim_basic_base",
                                               os.path.join(_HERE, "sim_basic.py"))
basic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(basic)

PLUGIN = "barman-cloud.cloudnative-pg.io"
_ZFLAG = {"gzip": "gzip", "bzip2": "bzip2", "snappy": "snappy"}


class Failure(Exception):
    """An operation failed; the message goes into the object's status."""


def _tail(path, n=3):
    try:
        with open(path, errors="replace") as f:
            lines = [x.strip() for x in f.read().splitlines()
                     if x.strip() and not x.startswith("$ ")]
        return " / ".join(lines[-n:])
    except OSError:
        return ""


def _rfc3339(barman_time):
    """'2026-11-25 02:58:40.123456+00:00' -> '2026-11-25T02:58:40Z'."""
    if not barman_time or barman_time == "None":
        return None
    return barman_time[:19].replace(" ", "T") + "Z"


class Archive:
    """Where a cluster archives to or recovers from."""

    def __init__(self, endpoint, dest, server, env, compression):
        self.endpoint, self.dest, self.server = endpoint, dest.rstrip("/"), server
        self.env, self.compression = env, compression

    def s3(self):
        import boto3  # the default python3 has it; imported late, only here
        return boto3.client("s3", endpoint_url=self.endpoint,
                            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
                            region_name=self.env["AWS_DEFAULT_REGION"])

    def _bucket_prefix(self):
        rest = self.dest[len("s3://"):]
        bucket, _, prefix = rest.partition("/")
        prefix = (prefix.strip("/") + "/") if prefix.strip("/") else ""
        return bucket, prefix + self.server + "/"

    def is_empty(self):
        bucket, prefix = self._bucket_prefix()
        r = self.s3().list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        return r.get("KeyCount", 0) == 0

    def backups(self):
        """backup.info of every backup, as dicts, oldest first."""
        bucket, prefix = self._bucket_prefix()
        c = self.s3()
        out = []
        pages = c.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix + "base/")
        for page in pages:
            for o in page.get("Contents", []):
                if o["Key"].endswith("/backup.info"):
                    body = c.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
                    info = {}
                    for line in body.decode().splitlines():
                        k, sep, v = line.partition("=")
                        if sep:
                            info[k.strip()] = v.strip()
                    info["backup_id"] = o["Key"].split("/")[-2]  # base/ID/backup.info
                    out.append(info)
        return sorted(out, key=lambda i: i.get("backup_id", ""))


class RealSim(basic.Sim):
    def __init__(self, server):
        super().__init__(server)
        self.root = os.path.join(os.path.abspath(server.args.dir), "pg")
        os.makedirs(self.root, exist_ok=True)
        os.chmod(self.root, 0o755)
        self.lock = threading.RLock()
        self.live = {}  # uid -> {"dir": ..., "archive": Archive or None}
        self.children = set()  # running Popen objects (each its own process group)

    def install(self):
        super().install()
        self.server.on("delete", "Cluster", self.cluster_deleted)
        self.server.on("create", "Job", self.job_created)
        self.server.shutdown_hooks.append(self.shutdown)

    def shutdown(self):
        """The server is stopping: stop our scripts (by process group, from the
        PIDs we started) and every PostgreSQL under STATEDIR/pg."""
        with self.lock:
            children = list(self.children)
        for p in children:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except OSError:
                pass
        for p in children:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        for d in sorted(os.listdir(self.root)):
            path = os.path.join(self.root, d)
            if os.path.exists(os.path.join(path, "data", "postmaster.pid")):
                subprocess.run(["sh", os.path.join(_SANDBOX, "pg.sh"), "stop", path],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=30, check=False)

    # -- configuration -----------------------------------------------------
    def secret_value(self, ns, ref, what):
        if not ref or not ref.get("name") or not ref.get("key"):
            raise Failure("%s: no Secret reference" % what)
        sec = self.store.get("Secret", ns, ref["name"])
        if sec is None:
            raise Failure('%s: Secret "%s" not found' % (what, ref["name"]))
        data = sec.get("data") or {}
        if ref["key"] not in data:
            raise Failure('%s: key "%s" not in Secret "%s"' % (what, ref["key"], ref["name"]))
        return base64.b64decode(data[ref["key"]]).decode()

    def archive_from(self, ns, conf, server_name):
        """An Archive from a barmanObjectStore-shaped configuration."""
        dest = conf.get("destinationPath") or ""
        if not dest.startswith("s3://"):
            raise Failure("destinationPath %r: only s3:// is simulated" % dest)
        creds = conf.get("s3Credentials") or {}
        env = {
            "AWS_ACCESS_KEY_ID": self.secret_value(ns, creds.get("accessKeyId"),
                                                   "accessKeyId"),
            "AWS_SECRET_ACCESS_KEY": self.secret_value(ns, creds.get("secretAccessKey"),
                                                       "secretAccessKey"),
            "AWS_DEFAULT_REGION": (self.secret_value(ns, creds["region"], "region")
                                   if creds.get("region") else "us-east-1"),
        }
        compression = ((conf.get("wal") or {}).get("compression")) or "none"
        return Archive(conf.get("endpointURL") or "", dest, server_name, env, compression)

    def archive_of_plugin(self, ns, params, default_server):
        store_name = (params or {}).get("barmanObjectName")
        if not store_name:
            raise Failure("plugin %s without barmanObjectName" % PLUGIN)
        obj = self.store.get("ObjectStore", ns, store_name)
        if obj is None:
            raise Failure('ObjectStore "%s" not found' % store_name)
        return self.archive_from(ns, (obj.get("spec") or {}).get("configuration") or {},
                                 params.get("serverName") or default_server)

    def own_archive(self, cluster):
        """The archive the cluster writes WAL to, or None."""
        ns, name = cluster["metadata"]["namespace"], cluster["metadata"]["name"]
        spec = cluster.get("spec") or {}
        for p in spec.get("plugins") or []:
            if p.get("name") == PLUGIN and p.get("isWALArchiver") and \
                    p.get("enabled", True):
                return self.archive_of_plugin(ns, p.get("parameters"), name)
        bos = (spec.get("backup") or {}).get("barmanObjectStore")
        if bos:
            return self.archive_from(ns, bos, bos.get("serverName") or name)
        return None

    def source_archive(self, cluster, source):
        ns = cluster["metadata"]["namespace"]
        for ec in (cluster.get("spec") or {}).get("externalClusters") or []:
            if ec.get("name") != source:
                continue
            if ec.get("plugin"):
                return self.archive_of_plugin(ns, ec["plugin"].get("parameters"), source)
            if ec.get("barmanObjectStore"):
                bos = ec["barmanObjectStore"]
                return self.archive_from(ns, bos, bos.get("serverName") or source)
            raise Failure('externalClusters "%s" has no object store' % source)
        raise Failure('recovery source "%s" is not in externalClusters' % source)

    # -- processes -----------------------------------------------------------
    def run(self, argv, env, log, timeout=300):
        full = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": self.root, "LANG": "C.UTF-8",
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        full.update(env)
        with open(log, "a") as f:
            f.write("$ %s\n" % " ".join(argv))
            f.flush()
            p = subprocess.Popen(argv, env=full, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
            with self.lock:
                self.children.add(p)
            try:
                return p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                return -1
            finally:
                with self.lock:
                    self.children.discard(p)

    def set_phase(self, meta, phase, reason=None, ready=None):
        cur = self.same("Cluster", meta)
        if cur is None:
            return
        status = dict(cur.get("status") or {})
        status["phase"] = phase
        if reason is not None:
            status["phaseReason"] = reason
        if ready is not None:
            status["conditions"] = [basic._condition("Ready", "ClusterIsNotReady", ready)]
            status["conditions"][0]["status"] = "False"
        self.store.update_status("Cluster", meta["namespace"], meta["name"], status)

    # -- clusters --------------------------------------------------------------
    def cluster_created(self, obj, _old):
        self.make_instances(obj)
        meta = obj["metadata"]
        self.set_phase(meta, "Setting up primary")
        threading.Thread(target=self.setup, args=(obj,), daemon=True).start()

    def setup(self, obj):
        meta = obj["metadata"]
        ns, name, uid = meta["namespace"], meta["name"], meta["uid"]
        pgdir = os.path.join(self.root, "%s-%s-%s" % (ns, name, uid[:8]))
        os.makedirs(pgdir, exist_ok=True)
        with open(os.path.join(self.root, "%s-%s.uid" % (ns, name)), "w") as f:
            f.write(uid + "\n")
        log = os.path.join(pgdir, "setup.log")
        try:
            archive = self.own_archive(obj)
            if archive is not None and not archive.is_empty():
                raise Failure("Expected empty archive: %s/%s is not empty" %
                              (archive.dest, archive.server))
            recovery = ((obj.get("spec") or {}).get("bootstrap") or {}).get("recovery")
            if recovery is not None:
                self.recover(obj, recovery, pgdir, archive, log)
            else:
                self.initdb(pgdir, archive, log)
        except Failure as e:
            self.server.log("sim_real: %s/%s: %s" % (ns, name, e))
            self.set_phase(meta, "Setting up primary", reason=str(e), ready=str(e))
            return
        except Exception as e:  # a broken simulation says so in the status
            self.set_phase(meta, "Setting up primary", reason="simulation error: %r" % e,
                           ready="simulation error")
            raise
        with self.lock:
            gone = self.same("Cluster", meta) is None  # deleted meanwhile
            if not gone:
                self.live[uid] = {"dir": pgdir, "archive": archive}
        if gone:
            self.stop_dir(pgdir)
            return
        self.cluster_healthy(meta)
        if archive is None:  # no archiving: no ContinuousArchiving condition
            cur = self.same("Cluster", meta)
            if cur is not None:
                status = dict(cur["status"])
                status["conditions"] = [c for c in status.get("conditions", [])
                                        if c["type"] != "ContinuousArchiving"]
                self.store.update_status("Cluster", ns, name, status)

    def pg_args(self, archive):
        if archive is None:
            return []
        return ["--endpoint", archive.endpoint, "--dest", archive.dest,
                "--server", archive.server,
                "--compression", _ZFLAG.get(archive.compression, "none")]

    def initdb(self, pgdir, archive, log):
        env = archive.env if archive else {}
        pg = os.path.join(_SANDBOX, "pg.sh")
        if self.run(["sh", pg, "init", pgdir] + self.pg_args(archive), env, log) != 0:
            raise Failure("initdb failed: %s" % _tail(log))
        if self.run(["sh", pg, "start", pgdir], env, log) != 0:
            raise Failure("postgres did not start: %s" % _tail(log))

    def recover(self, obj, recovery, pgdir, archive, log):
        if recovery.get("backup"):
            raise Failure("recovery from a Backup object is not simulated")
        source = self.source_archive(obj, recovery.get("source") or "")
        target = recovery.get("recoveryTarget") or {}
        backup_id = target.get("backupID")
        if not backup_id:
            done = [b for b in source.backups() if b.get("status") == "DONE"]
            if target.get("targetTime"):
                limit = target["targetTime"]
                done = [b for b in done if (_rfc3339(b.get("end_time")) or "") < limit]
            if not done:
                raise Failure("no target backup found")
            backup_id = done[-1]["backup_id"]
        argv = ["sh", os.path.join(_SANDBOX, "restore.sh"), pgdir, "--endpoint",
                source.endpoint, "--dest", source.dest, "--server", source.server,
                "--backup", backup_id, "--keep", "--timeout", "240"]
        for key, flag in (("targetTime", "--target-time"), ("targetLSN", "--target-lsn"),
                          ("targetXID", "--target-xid"), ("targetName", "--target-name")):
            if target.get(key):
                argv += [flag, target[key]]
        if target.get("targetImmediate"):
            argv.append("--target-immediate")
        if target.get("exclusive"):
            argv.append("--exclusive")
        if target.get("targetTLI"):
            argv += ["--target-timeline", target["targetTLI"]]
        if archive is not None:
            if archive.endpoint != source.endpoint:
                raise Failure("archiving to another endpoint than the source is not simulated")
            argv += ["--archive", "--archive-dest", archive.dest, "--archive-server",
                     archive.server, "--compression", _ZFLAG.get(archive.compression, "none")]
        if self.run(argv, source.env, log, timeout=600) != 0:
            raise Failure("full recovery of backup %s failed: %s" % (backup_id, _tail(log)))

    def stop_dir(self, pgdir):
        self.run(["sh", os.path.join(_SANDBOX, "pg.sh"), "stop", pgdir], {},
                 os.path.join(pgdir, "stop.log"))
        shutil.rmtree(pgdir, ignore_errors=True)

    def cluster_deleted(self, obj, _old):
        meta = obj["metadata"]
        with self.lock:
            inst = self.live.pop(meta["uid"], None)
        if inst is None:
            return
        marker = os.path.join(self.root, "%s-%s.uid" % (meta["namespace"], meta["name"]))
        try:
            with open(marker) as f:
                if f.read().strip() == meta["uid"]:
                    os.unlink(marker)
        except OSError:
            pass
        self.stop_dir(inst["dir"])

    # -- drill checks ------------------------------------------------------------
    def job_created(self, obj, _old):
        if "cnpgops.io/drill-check" not in (obj["metadata"].get("labels") or {}):
            return
        threading.Thread(target=self.run_job, args=(obj,), daemon=True).start()

    def run_job(self, obj):
        meta = obj["metadata"]
        ns, name = meta["namespace"], meta["name"]
        container = obj["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container.get("env") or []}
        args = container.get("args") or []
        host = env.get("PGHOST") or ""
        cluster = self.store.get("Cluster", ns, host[:-3] if host.endswith("-rw") else host)
        with self.lock:
            inst = self.live.get(cluster["metadata"]["uid"]) if cluster else None
        pod = name + "-check"
        if inst is None or "-c" not in args:
            out, ok = "psql: error: could not connect to server %s\n" % host, False
        else:
            log = os.path.join(inst["dir"], "job-%s.log" % name)
            sql = args[args.index("-c") + 1]
            ok = self.run(["sh", os.path.join(_SANDBOX, "pg.sh"), "psql", inst["dir"],
                           "-c", sql], {}, log) == 0
            with open(log) as f:
                out = "".join(x for x in f if not x.startswith("$ "))
        labels = {"job-name": name, "batch.kubernetes.io/job-name": name}
        self.store.put({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": pod, "namespace": ns, "labels": labels,
                                     "ownerReferences": [{
                                         "apiVersion": "batch/v1", "kind": "Job",
                                         "name": name, "uid": meta["uid"],
                                         "controller": True}]},
                        "spec": {"containers": [container], "restartPolicy": "Never"},
                        "status": {"phase": "Succeeded" if ok else "Failed"}})
        with self.server.lock:
            self.server.pod_logs[(ns, pod)] = out
        cond = {"type": "Complete" if ok else "Failed", "status": "True",
                "lastTransitionTime": basic._now()}
        status = {"conditions": [cond], "startTime": basic._now()}
        status["succeeded" if ok else "failed"] = 1
        if self.same("Job", meta) is not None:
            self.store.update_status("Job", ns, name, status)

    # -- backups ---------------------------------------------------------------
    def backup_created(self, obj, old):
        meta = obj["metadata"]
        cname = ((obj.get("spec") or {}).get("cluster") or {}).get("name")
        cluster = self.store.get("Cluster", meta["namespace"], cname) if cname else None
        with self.lock:
            inst = self.live.get(cluster["metadata"]["uid"]) if cluster else None
        if inst is None:
            return super().backup_created(obj, old)
        threading.Thread(target=self.real_backup, args=(obj, cluster, inst),
                         daemon=True).start()
        return None

    def backup_status(self, meta, **fields):
        cur = self.same("Backup", meta)
        if cur is None:
            return
        status = dict(cur.get("status") or {})
        status.update(fields)
        self.store.update_status("Backup", meta["namespace"], meta["name"], status)

    def real_backup(self, obj, cluster, inst):
        try:
            self._real_backup(obj, cluster, inst)
        except Exception as e:  # a broken simulation says so in the status
            self.backup_status(obj["metadata"], phase="failed",
                               error="simulation error: %r" % e)
            raise

    def _real_backup(self, obj, cluster, inst):
        meta = obj["metadata"]
        archive = inst["archive"]
        method = (obj.get("spec") or {}).get("method", "barmanObjectStore")
        self.backup_status(meta, phase="pending", method=method)
        if archive is None:
            self.backup_status(meta, phase="failed", error="cannot proceed with the backup "
                               "as the cluster has no backup section")
            return
        cname = cluster["metadata"]["name"]
        self.backup_status(meta, phase="running", startedAt=basic._now(),
                           serverName=archive.server, destinationPath=archive.dest,
                           instanceID={"podName": cname + "-1"}, online=True)
        log = os.path.join(inst["dir"], "backup-%s.log" % meta["name"])
        before = {b.get("backup_id") for b in archive.backups()}
        argv = ["sh", os.path.join(_SANDBOX, "pg.sh"), "run", inst["dir"],
                "/usr/bin/barman-cloud-backup", "--endpoint-url", archive.endpoint]
        if archive.compression in _ZFLAG:
            argv.append({"gzip": "-z", "bzip2": "-j", "snappy": "--snappy"}[
                archive.compression])
        argv += ["-h", os.path.join(inst["dir"], "sock"), "-U", "postgres",
                 "--immediate-checkpoint", archive.dest, archive.server]
        if self.run(argv, archive.env, log) != 0:
            self.backup_status(meta, phase="failed",
                               error="barman-cloud-backup failed: %s" % _tail(log))
            return
        new = [b for b in archive.backups() if b.get("backup_id") not in before]
        if len(new) != 1 or new[0].get("status") != "DONE":
            self.backup_status(meta, phase="failed",
                               error="barman-cloud-backup wrote %d backups" % len(new))
            return
        b = new[0]
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        self.backup_status(meta, phase="completed", backupId=b["backup_id"],
                           backupName="backup-" + stamp,
                           beginWal=b.get("begin_wal"), endWal=b.get("end_wal"),
                           beginLSN=b.get("begin_xlog"), endLSN=b.get("end_xlog"),
                           startedAt=_rfc3339(b.get("begin_time")),
                           stoppedAt=_rfc3339(b.get("end_time")))


def register(server):
    RealSim(server).install()
