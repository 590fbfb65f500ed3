#!/bin/bash
# Stops the e2e servers started by start.sh, using the pid files in $E2E_DIR/run. Nothing else is touched:
# a pid whose command line does not belong to this state dir is left alone. State (certs, accounts) is kept.
set -uo pipefail
E2E_DIR=${E2E_DIR:-/tmp/antistrophe-e2e}
[ -d "$E2E_DIR" ] && E2E_DIR=$(cd "$E2E_DIR" && pwd)
RUN=$E2E_DIR/run
E_NODE=${EJABBERD_NODE:-antistrophe-ej@localhost}
if [ -f "$E2E_DIR/ejabberd/ejabberdctl.cfg" ]; then   # the node name start.sh actually used
  n=$(sed -n 's/^ERLANG_NODE=//p' "$E2E_DIR/ejabberd/ejabberdctl.cfg"); [ -n "$n" ] && E_NODE=$n
fi

alive() { [ -n "${1:-}" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && grep -qaF -- "$2" "/proc/$1/cmdline" 2>/dev/null; }
stop_pid() { # name pidfile marker [fallback pidfile]
  local name=$1 f=$2 marker=$3 pid i
  [ -f "$f" ] || f=${4:-$f}
  if [ ! -f "$f" ]; then echo "[$name] not running (no pid file)"; return 0; fi
  pid=$(cat "$f" 2>/dev/null || true)
  if alive "$pid" "$marker"; then
    kill -TERM "$pid"
    for i in $(seq 1 100); do alive "$pid" "$marker" || break; sleep 0.1; done
    if alive "$pid" "$marker"; then kill -KILL "$pid" 2>/dev/null; echo "[$name] killed (KILL) pid $pid"; else echo "[$name] stopped pid $pid"; fi
  else
    echo "[$name] pid ${pid:-?} not running (or not ours)"
  fi
  rm -f "$f"
}
# the servers' own pid files are the fallback when start.sh stopped before copying them to run/
stop_pid prosody "$RUN/prosody.pid" "$E2E_DIR/prosody/prosody.cfg.lua" "$E2E_DIR/prosody/prosody.pid"
rm -f "$E2E_DIR/prosody/prosody.pid"
stop_pid ejabberd "$RUN/ejabberd.pid" "$E_NODE" "$E2E_DIR/ejabberd/ejabberd.pid"   # beam.smp; TERM stops the VM cleanly
rm -f "$E2E_DIR/ejabberd/ejabberd.pid"
stop_pid oauth-validator "$RUN/oauth-validator.pid" "oauth-validator.mjs"
E2E_DIR=$E2E_DIR bash "$(dirname "$0")/sessions.sh" stop || true
exit 0
