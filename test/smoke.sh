#!/usr/bin/env bash
# Smoke test of the compiled binary against a real nats-server: the README's quick start.
set -euo pipefail
AJC=$(realpath "${1:-build/ajc}")
work=$(mktemp -d)
port=$(( 20000 + RANDOM % 20000 ))
http_port=$(( 40000 + RANDOM % 20000 ))
nats-server -js -a 127.0.0.1 -p "$port" -sd "$work/js" >"$work/nats.log" 2>&1 &
nats_pid=$!
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  kill "$nats_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export NATS_URL="nats://127.0.0.1:$port"
for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done

"$AJC" --version
"$AJC" queue add EMAIL --run-time 1h
"$AJC" queue ls
"$AJC" task add email:new '{"to":"user@example.com"}' -q EMAIL
"$AJC" task ls
"$AJC" info >/dev/null

if "$AJC" server --help >/dev/null 2>&1; then
  "$AJC" server run --queue EMAIL --bind "127.0.0.1:$http_port" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$http_port/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$http_port/v1/info"; echo
  curl -sf -X POST "http://127.0.0.1:$http_port/v1/tasks" -H 'Content-Type: application/json' \
    -d '{"type":"email:new","payload":{"to":"user@example.com"}}'; echo
  grep -q "asyncjobs HTTP API listening on 127.0.0.1:$http_port (none)" "$work/server.log"
fi
echo "smoke test passed"
