#!/usr/bin/env bash
# Load test: brokered requests through the sharegate gateway against the same node behind nginx as a plain mTLS
# reverse proxy (no decisions, no log), at the same fixed concurrency, in one run. Installs what it needs.
#
#   bash benches/load/run.sh [duration_seconds] [concurrency] [rounds]
#   LOAD_TEST_GATEWAY_DATABASE=postgres://… bash benches/load/run.sh …   (the gateway on PostgreSQL)
#
# Prints requests/s, p50 and p99 for both, and the ratios. With several rounds the two paths take turns, each for
# `duration_seconds` a round, and the medians of the rounds' ratios are printed last: a shared machine's speed drifts
# within a minute, and a ratio taken within one round drifts much less than two figures taken a minute apart.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-20}"
CONCURRENCY="${2:-32}"
ROUNDS="${3:-1}"
ROOT="$(pwd)"

command -v nginx >/dev/null || apt-get install -y nginx-light >/dev/null || apt-get install -y nginx >/dev/null
command -v oha >/dev/null || cargo install oha --locked
command -v python3 >/dev/null

# LOAD_TEST_BIN runs another build instead (e.g. a copy of the previous one, to compare the two on one machine;
# not SHAREGATE_…: the gateway reads those as its configuration and refuses unknown ones).
BIN="${LOAD_TEST_BIN:-$ROOT/target/release/sharegate}"
[ -n "${LOAD_TEST_BIN:-}" ] || cargo build --release --quiet

WORK="$(mktemp -d)"
trap 'kill $(cat "$WORK/demo.pid" 2>/dev/null) 2>/dev/null || true; nginx -p "$WORK" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$WORK"' EXIT
cp -r policies certs-example "$WORK/"
CERTS="$WORK/certs-example"

BASE=$((30000 + RANDOM % 20000))
GATEWAY_PORT=$BASE
EDUCATION_PORT=$((BASE + 3))
NGINX_PORT=$((BASE + 10))

# LOAD_TEST_GATEWAY_DATABASE puts the gateway's store elsewhere: an empty PostgreSQL database, plain or over TLS.
STORE=()
[ -z "${LOAD_TEST_GATEWAY_DATABASE:-}" ] || STORE=(--gateway-database "$LOAD_TEST_GATEWAY_DATABASE")

# `exec`, so that the pid kept is the demo's own and the trap stops it (not just a subshell around it). The load
# comes from one practitioner's certificate, thousands of requests a second: far over the request limits a gateway
# holds practitioners to, which this run lifts (--no-request-limits).
(cd "$WORK" && SHAREGATE_LOG=warn exec "$BIN" demo --ports-from "$GATEWAY_PORT" --no-request-limits "${STORE[@]}" \
    > demo.out 2> demo.err) &
echo $! > "$WORK/demo.pid"
for _ in $(seq 1 100); do grep -q "Ctrl-C stops the demo" "$WORK/demo.out" 2>/dev/null && break; sleep 0.2; done
grep -q "Ctrl-C stops the demo" "$WORK/demo.out" || { cat "$WORK/demo.err"; exit 1; }

sed -e "s#@DIR@#$WORK#g" -e "s#@CERTS@#$CERTS#g" -e "s#@NODE_PORT@#$EDUCATION_PORT#g" -e "s#@NGINX_PORT@#$NGINX_PORT#g" \
    benches/load/nginx.conf.template > "$WORK/nginx.conf"
nginx -p "$WORK" -c "$WORK/nginx.conf" &
sleep 1

WHO="$CERTS/people/social_care-social_worker"
TLS=(--cacert "$CERTS/ca.crt" --cert "$WHO.crt" --key "$WHO.key")
BODY='{"subject":"9434765919","categories":["education.attendance"],"purpose":"safeguarding","lawful_basis":"consent","reason":"load test"}'

run() {
    oha --no-tui --output-format json -z "${DURATION}s" -c "$CONCURRENCY" "${TLS[@]}" "$@"
}

# Each answer must be what it should be before it is timed.
curl -sf --cacert "$CERTS/ca.crt" --cert "$WHO.crt" --key "$WHO.key" -H 'content-type: application/json' \
    "https://localhost:$GATEWAY_PORT/v1/requests" -d "$BODY" | grep -q '"partial":false'
curl -sf --cacert "$CERTS/ca.crt" --cert "$WHO.crt" --key "$WHO.key" \
    "https://localhost:$NGINX_PORT/v1/subjects/E-3003/records?categories=education.attendance" | grep -q 'education.attendance'

for round in $(seq 1 "$ROUNDS"); do
    run -m POST -H 'content-type: application/json' -d "$BODY" "https://localhost:$GATEWAY_PORT/v1/requests" \
        > "$WORK/gateway.$round.json"
    run "https://localhost:$NGINX_PORT/v1/subjects/E-3003/records?categories=education.attendance" \
        > "$WORK/nginx.$round.json"
done

python3 - "$WORK" "$ROUNDS" "$DURATION" "$CONCURRENCY" <<'PY'
import json, statistics, sys
work, rounds, duration, concurrency = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def figures(path):
    r = json.load(open(path))
    ok = r["statusCodeDistribution"]
    return r["summary"]["requestsPerSec"], r["latencyPercentiles"]["p50"] * 1000, r["latencyPercentiles"]["p99"] * 1000, ok
print(f"duration {duration} s per path and round, concurrency {concurrency}, rounds {rounds}")
throughput, p99 = [], []
for i in range(1, rounds + 1):
    (gr, g50, g99, gok), (nr, n50, n99, nok) = figures(f"{work}/gateway.{i}.json"), figures(f"{work}/nginx.{i}.json")
    if rounds > 1:
        print(f"round {i}")
    print(f"sharegate gateway (decide + fetch + redact + durable log): {gr:8.1f} req/s  p50 {g50:6.1f} ms  p99 {g99:6.1f} ms  {gok}")
    print(f"nginx mTLS proxy to the same node (no decision, no log):   {nr:8.1f} req/s  p50 {n50:6.1f} ms  p99 {n99:6.1f} ms  {nok}")
    throughput.append(gr / nr)
    p99.append(g99 / n99)
    print(f"ratios: throughput {gr/nr:.2f}x nginx (goal >= 0.7), p99 {g99/n99:.2f}x nginx (goal <= 1.5)")
if rounds > 1:
    print(f"median of {rounds} rounds: throughput {statistics.median(throughput):.2f}x nginx (goal >= 0.7), "
          f"p99 {statistics.median(p99):.2f}x nginx (goal <= 1.5)")
PY
