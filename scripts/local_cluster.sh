#!/usr/bin/env bash
# Start a Spark standalone cluster on this machine from the pip-installed pyspark:
# one master (spark://127.0.0.1:7077, web UI http://127.0.0.1:8080) and N workers
# (default 2, 1 core and 1g each), all bound to 127.0.0.1.  Then, on the app's
# Connection page, use master spark://127.0.0.1:7077 with extra conf
#   spark.executor.memory=512m
#   spark.pyspark.python=<this venv's python>
# Stop it with: scripts/local_cluster.sh stop
#
# Usage: scripts/local_cluster.sh [start|stop|status] [workers]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
export SPARK_HOME="$("$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_LOCAL_IP=127.0.0.1
unset PYTHONPATH PYSPARK_PYTHON
RUN="${DCS_CLUSTER_DIR:-/tmp/dcs-local-cluster}"
PORT="${SPARK_MASTER_PORT:-7077}"
UI="${SPARK_MASTER_WEBUI_PORT:-8080}"
CMD="${1:-start}"
WORKERS="${2:-2}"

stop() {
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then kill "$pid"; echo "stopped $(basename "$pidfile" .pid) (pid $pid)"; fi
    rm -f "$pidfile"
  done
}

case "$CMD" in
  stop) stop; exit 0 ;;
  status) curl -s "http://127.0.0.1:$UI/json" | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print(s["url"], [w["state"] for w in s["workers"]])'; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|status] [workers]" >&2; exit 2 ;;
esac

mkdir -p "$RUN"
if ls "$RUN"/*.pid >/dev/null 2>&1; then echo "already running? run '$0 stop' first (pid files in $RUN)" >&2; exit 1; fi
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" \
  --webui-port "$UI" >"$RUN/master.log" 2>&1 &
echo $! >"$RUN/master.pid"
for i in $(seq 1 "$WORKERS"); do
  mkdir -p "$RUN/worker-$i"
  (cd "$RUN/worker-$i" && exec "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
     "spark://127.0.0.1:$PORT" --cores 1 --memory 1g --work-dir "$RUN/worker-$i" \
     --webui-port $((UI + i)) --host 127.0.0.1 >"$RUN/worker-$i.log" 2>&1) &
  echo $! >"$RUN/worker-$i.pid"
done
echo -n "waiting for $WORKERS worker(s)"
for _ in $(seq 1 120); do
  alive="$(curl -s "http://127.0.0.1:$UI/json" 2>/dev/null | "$PY" -c 'import json,sys
try: print(sum(w["state"] == "ALIVE" for w in json.load(sys.stdin)["workers"]))
except Exception: print(0)')"
  if [ "$alive" -ge "$WORKERS" ]; then
    echo; echo "cluster up: spark://127.0.0.1:$PORT (UI http://127.0.0.1:$UI); logs in $RUN; stop: $0 stop"
    echo "Connection page extra conf: spark.executor.memory=512m and spark.pyspark.python=$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"
    exit 0
  fi
  echo -n .; sleep 1
done
echo; echo "workers did not register in 120 s; see $RUN/*.log" >&2; stop; exit 1
