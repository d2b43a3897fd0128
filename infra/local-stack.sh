#!/usr/bin/env bash
# The local stack as background processes on 127.0.0.1: start | stop | status.
#
# Each service is a start_<name> function (plus, if it needs one, a ready_<name> check);
# logs and pid files go to $AUTOML_RUN_DIR. Add a service by writing its functions and
# adding its name to the default of AUTOML_SERVICES.
#
#   AUTOML_SERVICES      services to run, in start order   prefect-server mlflow-server
#                                                          dask-scheduler dask-workers prefect-worker
#   AUTOML_RUN_DIR       logs, pid files, local stores     .automl/run
#   AUTOML_BIN           folder with the executables       .venv/bin
#   PREFECT_PORT         Prefect server (API and UI)       4200
#   PREFECT_API_DATABASE_CONNECTION_URL  Prefect database  SQLite in the run folder
#   MLFLOW_PORT          MLflow tracking server and UI     5000
#   MLFLOW_BACKEND_STORE_URI  MLflow database              SQLite in the run folder
#   DASK_SCHEDULER_PORT  Dask scheduler                    8786
#   DASK_WORKERS         Dask worker processes             2
#   DASK_WORKER_MEMORY   memory limit per Dask worker      3GiB
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN_DIR=${AUTOML_RUN_DIR:-$ROOT/.automl/run}
BIN=${AUTOML_BIN:-$ROOT/.venv/bin}
PREFECT_PORT=${PREFECT_PORT:-4200}
MLFLOW_PORT=${MLFLOW_PORT:-5000}
MLFLOW_BACKEND_STORE_URI=${MLFLOW_BACKEND_STORE_URI:-sqlite:///$RUN_DIR/mlflow.db}
SCHEDULER_PORT=${DASK_SCHEDULER_PORT:-8786}
SCHEDULER_FILE=$RUN_DIR/dask-scheduler.json
WORKERS=${DASK_WORKERS:-2}
WORKER_MEMORY=${DASK_WORKER_MEMORY:-3GiB}
POOL=automl-process
read -r -a SERVICES <<<"${AUTOML_SERVICES:-prefect-server mlflow-server dask-scheduler dask-workers prefect-worker}"

export PREFECT_HOME=${PREFECT_HOME:-$RUN_DIR/prefect-home}
export PREFECT_API_URL=http://127.0.0.1:$PREFECT_PORT/api
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_LOGGING_EXTRA_LOGGERS=${PREFECT_LOGGING_EXTRA_LOGGERS:-automl}
export AUTOML_PROJECT_DIR=${AUTOML_PROJECT_DIR:-$ROOT}

start_prefect-server() {
  exec "$BIN/prefect" server start --host 127.0.0.1 --port "$PREFECT_PORT" --analytics-off
}
ready_prefect-server() { http_ok "$PREFECT_API_URL/health"; }

start_mlflow-server() {
  exec "$BIN/mlflow" server --backend-store-uri "$MLFLOW_BACKEND_STORE_URI" \
    --artifacts-destination "$RUN_DIR/mlflow-artifacts" --host 127.0.0.1 --port "$MLFLOW_PORT"
}
ready_mlflow-server() { http_ok "http://127.0.0.1:$MLFLOW_PORT/health"; }

start_dask-scheduler() {
  exec "$BIN/dask" scheduler --host 127.0.0.1 --port "$SCHEDULER_PORT" --no-dashboard \
    --scheduler-file "$SCHEDULER_FILE"
}
ready_dask-scheduler() { [ -s "$SCHEDULER_FILE" ]; }

start_dask-workers() {
  exec "$BIN/dask" worker --scheduler-file "$SCHEDULER_FILE" --nworkers "$WORKERS" --nthreads 1 \
    --memory-limit "$WORKER_MEMORY" --host 127.0.0.1 --no-dashboard \
    --local-directory "$RUN_DIR/dask-worker-space" --preload-nanny automl.nanny
}

start_prefect-worker() {
  # Flow runs inherit the worker's environment: tell them where this stack's services are.
  export MLFLOW_TRACKING_URI=${MLFLOW_TRACKING_URI:-http://127.0.0.1:$MLFLOW_PORT}
  export AUTOML_ARTIFACTS_URI=${AUTOML_ARTIFACTS_URI:-$RUN_DIR/artifacts}
  export TPOT__DASK_SCHEDULER_FILE=${TPOT__DASK_SCHEDULER_FILE:-$SCHEDULER_FILE}
  "$BIN/prefect" work-pool create "$POOL" --type process --overwrite \
    --base-job-template "$ROOT/deployments/process-pool.json"
  cd "$ROOT" && exec "$BIN/prefect" worker start --pool "$POOL" --type process
}
ready_prefect-worker() { grep -q "started" "$RUN_DIR/prefect-worker.log" 2>/dev/null; }

pid_of() { cat "$RUN_DIR/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
http_ok() { "$BIN/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; }

wait_until_ready() {
  declare -F "ready_$1" >/dev/null || return 0
  local deadline=$((SECONDS + $2))
  until "ready_$1"; do
    if ! alive "$1"; then
      echo "$1 exited; last lines of $RUN_DIR/$1.log:" >&2
      tail -n 20 "$RUN_DIR/$1.log" >&2
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then echo "$1 not ready after $2 s; see $RUN_DIR/$1.log" >&2; return 1; fi
    sleep 0.5
  done
}

start() {
  mkdir -p "$RUN_DIR"
  local vars
  vars=$(declare -p ROOT BIN RUN_DIR POOL PREFECT_PORT MLFLOW_PORT MLFLOW_BACKEND_STORE_URI \
    SCHEDULER_PORT SCHEDULER_FILE WORKERS WORKER_MEMORY)
  for service in "${SERVICES[@]}"; do
    if alive "$service"; then echo "$service already running (pid $(pid_of "$service"))"; continue; fi
    [ "$service" = dask-scheduler ] && rm -f "$SCHEDULER_FILE"
    # setsid: each service leads its own process group, so stop reaches its children too.
    setsid bash -c "$vars; $(declare -f "start_$service"); start_$service" \
      >"$RUN_DIR/$service.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/$service.pid"
    echo "started $service (pid $!, log $RUN_DIR/$service.log)"
    wait_until_ready "$service" 180
  done
  cat <<EOF
Prefect UI and API:  http://127.0.0.1:$PREFECT_PORT   (export PREFECT_API_URL=$PREFECT_API_URL)
MLflow UI:           http://127.0.0.1:$MLFLOW_PORT   (export MLFLOW_TRACKING_URI=http://127.0.0.1:$MLFLOW_PORT)
Dask scheduler:      tcp://127.0.0.1:$SCHEDULER_PORT   (scheduler file $SCHEDULER_FILE)
Deploy the flows:    make deploy
EOF
}

stop() {
  local index service pid
  for ((index = ${#SERVICES[@]} - 1; index >= 0; index--)); do
    service=${SERVICES[$index]}
    pid=$(pid_of "$service")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      echo "stopped $service"
    fi
    rm -f "$RUN_DIR/$service.pid"
  done
  rm -f "$SCHEDULER_FILE"
}

status() {
  local code=0
  for service in "${SERVICES[@]}"; do
    if alive "$service"; then echo "$service: running (pid $(pid_of "$service"))"; else echo "$service: stopped"; code=3; fi
  done
  return $code
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
