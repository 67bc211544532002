#!/usr/bin/env bash
# Single-node Ceph RGW on loopback for the integration tests.
# Usage: scripts/s3-server.sh start|stop|status
# RGW is used (rather than s3rver) because it really enforces SigV4, expiry and POST policies.
# Everything (config, data, logs, sockets, pid files) lives in one throw-away folder.
set -euo pipefail

DIR="${S3_SERVER_DIR:-/tmp/upload-presigner-rgw}"
PORT="${S3_PORT:-7480}"
MON_PORT="${S3_MON_PORT:-3300}"
ACCESS="${S3_ACCESS_KEY_ID:-UPLOADPRESIGNERTEST}"
SECRET="${S3_SECRET_ACCESS_KEY:-upload-presigner-test-secret-key-0000}"
CONF="$DIR/ceph.conf"
USER_ID=upload-presigner
PACKAGES=(radosgw ceph-mon ceph-osd ceph-mgr ceph-common)

status() { # any HTTP answer (anonymous GET / gives 200) means RGW is serving
  [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$PORT/" || true)" != 000 ]]
}

ensure_packages() {
  command -v radosgw >/dev/null && return
  echo "Installing Ceph packages (about a minute)..."
  local sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
}

write_conf() {
  mkdir -p "$DIR"/{run,log,mon/ceph-a,osd/ceph-0,rgw}
  # auth none: fewer keyrings to manage; S3 SigV4 checking in RGW does not depend on cephx.
  # The pool/pg settings let one OSD with one replica reach active+clean.
  cat >"$CONF" <<EOF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
# with auth none there is no session key, so the "secure" mode (the default for
# clients such as radosgw talking to the mon) is refused with EACCES: allow crc.
ms mon client mode = crc secure
run dir = $DIR/run
log file = $DIR/log/\$cluster-\$name.log
mon cluster log file = $DIR/log/cluster.log
client mount timeout = 30
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
# A gateway that dies keeps its watches on RGW's control objects until the OSD times them out, and
# until then every bucket or CORS change on the cluster waits for it: 30 s by default (seen after
# test/helpers/second-rgw.ts kills one to play a crash). 6 s here, with each client pinging its
# watches every second instead of every 5 s, so that a live gateway's watch is never lost.
osd client watch timeout = 6
objecter tick interval = 1
# No debug logging: Ceph formats messages up to level 5 for an in-memory crash log by default, which
# took a fifth of RGW's and the OSD's CPU in a workload of 800 requests and 200 MB (errors still go
# to the log files).
debug rgw = 0/0
debug ms = 0/0
debug osd = 0/0
debug memstore = 0/0
debug objecter = 0/0
debug rados = 0/0
debug monc = 0/0
debug mon = 0/0
debug paxos = 0/0
debug auth = 0/0
debug asok = 0/0
debug finisher = 0/0
debug throttle = 0/0
debug heartbeatmap = 0/0
debug perfcounter = 0/0
debug optracker = 0/0
debug tp = 0/0
debug buffer = 0/0
debug context = 0/0
debug refs = 0/0
debug timer = 0/0
debug crush = 0/0
debug objclass = 0/0
debug mgrc = 0/0
[mon]
mon data = $DIR/mon/\$cluster-\$id
pid file = $DIR/run/\$name.pid
[osd]
osd data = $DIR/osd/\$cluster-\$id
pid file = $DIR/run/\$name.pid
# memstore: data in RAM (taken as it is written), nothing to clean on disk. The full suite writes
# several 64 MiB multipart files; 8 GiB leaves room for repeated runs on a long-lived server.
osd objectstore = memstore
memstore device bytes = $((8 * 1024 * 1024 * 1024))
[client.rgw.test]
rgw data = $DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$PORT
# Deleted objects are reclaimed by RGW's garbage collector, by default two hours later: a minute
# here, so that the space the tests free is free again during the run.
rgw gc obj min wait = 60
rgw gc processor period = 60
pid file = $DIR/run/\$name.pid
EOF
}

# Ceph daemons fork into the background by themselves; their stdio goes to files so that
# nothing keeps the caller's (possibly piped) stdout open.
daemon() { local name=$1; shift; "$@" -c "$CONF" >>"$DIR/log/$name.out" 2>&1 </dev/null; }

start_daemons() {
  monmaptool --create --fsid "$(awk '/^fsid/{print $3}' "$CONF")" \
    --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
  daemon mon-mkfs ceph-mon --mkfs -i a --monmap "$DIR/monmap"
  daemon mon ceph-mon -i a
  local uuid id; uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph -c "$CONF" osd new "$uuid" 2>>"$DIR/log/ceph-cli.out")
  daemon osd-mkfs ceph-osd --mkfs -i "$id" --osd-uuid "$uuid"
  daemon osd ceph-osd -i "$id"
  daemon rgw radosgw -n client.rgw.test
}

fail() {
  echo "$1; log tails:" >&2
  tail -n 15 "$DIR"/log/* >&2 || true
  exit 1
}

wait_ready() {
  local deadline=$((SECONDS + 120))
  until status; do
    # Fail fast when radosgw died (e.g. port taken) instead of waiting for the timeout.
    pgrep -f -- "^radosgw .*$CONF" >/dev/null || fail "radosgw exited"
    ((SECONDS < deadline)) || fail "RGW did not answer on 127.0.0.1:$PORT within 120 s"
    sleep 0.5
  done
}

ensure_user() { # `user create` fails if the user exists; `key create` then (re)sets the keys
  local args=(--uid="$USER_ID" --access-key="$ACCESS" --secret-key="$SECRET")
  radosgw-admin -c "$CONF" user info --uid="$USER_ID" >/dev/null 2>&1 &&
    radosgw-admin -c "$CONF" key create "${args[@]}" >/dev/null ||
    radosgw-admin -c "$CONF" user create "${args[@]}" --display-name="$USER_ID" >/dev/null
}

our_pids() { pgrep -f -- "$CONF" || true; }

stop() {
  local pids=() f p
  for f in "$DIR"/run/*.pid; do [[ -f $f ]] && pids+=("$(cat "$f")"); done
  # Fallback: any process started with our config path, even if its pid file is missing.
  for p in $(our_pids); do pids+=("$p"); done
  # SIGKILL: the data is thrown away anyway, and memstore would dump its RAM to disk on SIGTERM.
  for p in "${pids[@]}"; do
    grep -qaF -- "$CONF" "/proc/$p/cmdline" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true
  done
  for _ in $(seq 100); do [[ -z "$(our_pids)" ]] && break; sleep 0.1; done
  rm -rf "$DIR"
}

start() {
  if status && [[ -f $CONF ]]; then ensure_user; echo "RGW ready at http://127.0.0.1:$PORT (already running)"; return; fi
  stop
  ensure_packages
  local t0=$EPOCHREALTIME
  write_conf
  start_daemons
  wait_ready
  ensure_user
  echo "RGW ready at http://127.0.0.1:$PORT (started in $(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}") s)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
