#!/usr/bin/env bash
# Runs the container image the way docs/deployment.md tells people to, against a NATS
# container: the CLI works, the default command refuses the 0.0.0.0 bind until a protection is
# chosen, the proxy setup (AJC_UNSAFE_BIND) serves the API, and `docker stop` drains and exits 0.
# Needs a Docker engine (CI's container job); usage: test/deploy/container-smoke.sh [IMAGE]
set -euo pipefail
img=${1:-ajc}
net=ajc-smoke-$$
port=$(( 20000 + RANDOM % 20000 ))
cleanup() {
  docker rm -f "$net-server" "$net-nats" >/dev/null 2>&1 || true
  docker network rm "$net" >/dev/null 2>&1 || true
}
trap cleanup EXIT

docker network create "$net" >/dev/null
docker run -d --name "$net-nats" --network "$net" nats:2.10 -js >/dev/null
env=(--network "$net" -e "NATS_URL=nats://$net-nats:4222")

echo "--- ajc --version"
docker run --rm "${env[@]}" "$img" --version

echo "--- the image runs as a non-root user"
[ "$(docker image inspect -f '{{.Config.User}}' "$img")" = "65532:65532" ]

echo "--- CLI: create the queue"
for _ in $(seq 1 50); do docker run --rm "${env[@]}" "$img" queue ls >/dev/null 2>&1 && break; sleep 0.2; done
docker run --rm "${env[@]}" "$img" queue add EMAIL --run-time 1h

echo "--- default command without --unsafe-bind or mTLS is refused"
if out=$(timeout 30 docker run --rm "${env[@]}" -e AJC_QUEUE=EMAIL "$img" 2>&1); then
  echo "expected the non-loopback bind to be refused, got: $out" >&2
  exit 1
fi
echo "$out"

echo "--- behind a proxy: AJC_UNSAFE_BIND=true"
docker run -d --name "$net-server" "${env[@]}" -p "127.0.0.1:$port:8080" \
  -e AJC_QUEUE=EMAIL -e AJC_UNSAFE_BIND=true "$img" >/dev/null
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/v1/info" | tee /dev/stderr | grep -q '"auth":"none"'
curl -sf -X POST "http://127.0.0.1:$port/v1/tasks" -H 'Content-Type: application/json' \
  -d '{"type":"email:new","payload":{"to":"user@example.com"}}'
echo
docker logs "$net-server" 2>&1 | grep -q "asyncjobs HTTP API listening on 0.0.0.0:8080 (none)"

echo "--- docker stop drains and exits 0"
docker stop --time 40 "$net-server" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$net-server")" = "0" ]
echo "container smoke test passed"
