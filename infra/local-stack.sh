#!/usr/bin/env bash
# The local stack as background processes on 127.0.0.1: start | stop | status.
#
# Each service is a name and a command line; logs and pid files go to $AUTOML_RUN_DIR
# (default .automl/run). Add a service by adding a start_<name> function and its name to
# SERVICES.
#
#   AUTOML_RUN_DIR        run folder (logs, pid files, scheduler file)   .automl/run
#   DASK_SCHEDULER_PORT   scheduler port                                 8786
#   DASK_WORKERS          worker processes                               2
#   DASK_WORKER_MEMORY    memory limit per worker                        3GiB
#   AUTOML_BIN            folder with the dask executable                .venv/bin
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN_DIR=${AUTOML_RUN_DIR:-$ROOT/.automl/run}
BIN=${AUTOML_BIN:-$ROOT/.venv/bin}
SCHEDULER_PORT=${DASK_SCHEDULER_PORT:-8786}
WORKERS=${DASK_WORKERS:-2}
WORKER_MEMORY=${DASK_WORKER_MEMORY:-3GiB}
SCHEDULER_FILE=$RUN_DIR/dask-scheduler.json
SERVICES=(dask-scheduler dask-workers)

start_dask-scheduler() {
  "$BIN/dask" scheduler --host 127.0.0.1 --port "$SCHEDULER_PORT" --no-dashboard \
    --scheduler-file "$SCHEDULER_FILE"
}

start_dask-workers() {
  "$BIN/dask" worker --scheduler-file "$SCHEDULER_FILE" --nworkers "$WORKERS" --nthreads 1 \
    --memory-limit "$WORKER_MEMORY" --host 127.0.0.1 --no-dashboard --local-directory "$RUN_DIR/dask-worker-space"
}

pid_of() { cat "$RUN_DIR/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

start() {
  mkdir -p "$RUN_DIR"
  export DASK_LOGGING__DISTRIBUTED=${DASK_LOGGING__DISTRIBUTED:-info}
  export PREFECT_LOGGING_EXTRA_LOGGERS=${PREFECT_LOGGING_EXTRA_LOGGERS:-automl}
  for service in "${SERVICES[@]}"; do
    if alive "$service"; then echo "$service already running (pid $(pid_of "$service"))"; continue; fi
    [ "$service" = dask-scheduler ] && rm -f "$SCHEDULER_FILE"
    # setsid: each service leads its own process group, so stop reaches its children too.
    setsid bash -c "$(declare -f start_"$service"); $(declare -p BIN SCHEDULER_PORT SCHEDULER_FILE WORKERS WORKER_MEMORY RUN_DIR); start_$service" \
      >"$RUN_DIR/$service.log" 2>&1 < /dev/null &
    echo $! >"$RUN_DIR/$service.pid"
    echo "started $service (pid $!, log $RUN_DIR/$service.log)"
    [ "$service" = dask-scheduler ] && wait_for_file "$SCHEDULER_FILE" 30
  done
  echo "scheduler: tcp://127.0.0.1:$SCHEDULER_PORT  scheduler file: $SCHEDULER_FILE"
}

wait_for_file() {
  local deadline=$((SECONDS + $2))
  until [ -s "$1" ]; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for $1" >&2; return 1; fi
    sleep 0.2
  done
}

stop() {
  local index
  for ((index=${#SERVICES[@]}-1; index>=0; index--)); do
    local service=${SERVICES[$index]} pid
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
