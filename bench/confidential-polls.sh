#!/usr/bin/env bash
# Polls of a confidential client (client_secret_basic) against the demo server, as built in dist/:
#   npm run build && bash bench/confidential-polls.sh [port] [seconds] [connections]
# Starts the demo on a fresh SQLite file pinned to CPU 0, asks for one device code as demo-confidential, then has
# autocannon (pinned to CPU 1) poll the token endpoint with that code and the client's Basic credentials. Every
# answer is authorization_pending or slow_down: what is measured is client authentication plus the poll. Prints
# autocannon's latency and req/s tables.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:-4390}
SECONDS_=${2:-10}
CONNECTIONS=${3:-20}
DIR=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DIR"' EXIT
PORT=$PORT DATABASE_URL="sqlite:$DIR/bench.sqlite" DEVICE_FLOW_INTERVAL=1 \
  taskset -c 0 node dist/src/main.js >"$DIR/server.log" 2>&1 &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf -o /dev/null "$BASE/.well-known/oauth-authorization-server" && break; sleep 0.1; done
CREDENTIALS=demo-confidential:demo-confidential-secret
DEVICE_CODE=$(curl -sf -u "$CREDENTIALS" -d scope=read "$BASE/oauth/device_authorization" |
  node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).device_code))')
taskset -c 1 npx autocannon -c "$CONNECTIONS" -d "$SECONDS_" -m POST \
  -H "Authorization=Basic $(printf %s "$CREDENTIALS" | base64 -w0)" \
  -H 'Content-Type=application/x-www-form-urlencoded' \
  -b "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=$DEVICE_CODE" \
  "$BASE/oauth/token"
