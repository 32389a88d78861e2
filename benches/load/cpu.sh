#!/usr/bin/env bash
# Where the load test's CPU goes: the same two request paths as run.sh, but with the gateway and the education node
# as separate processes (on their default ports, 8443 and 8446), so that each one's CPU time per request can be read
# from /proc — and the gateway's split by thread (actix workers, the log writer, the blocking pool).
#
#   bash benches/load/cpu.sh [duration_seconds] [concurrency]
#
# Run run.sh once first (it installs oha and nginx and builds the release binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-15}"
CONCURRENCY="${2:-32}"
ROOT="$(pwd)"
BIN="${LOAD_TEST_BIN:-$ROOT/target/release/sharegate}"
NGINX_PORT=9443

# The servers run on their default ports (the demo's 8443–8447) so that each is a process of its own: say so if one
# is taken, rather than measuring whatever answers there.
for port in 8443 8444 8445 8446 8447 "$NGINX_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is in use: cpu.sh needs 8443–8447 and $NGINX_PORT free (a demo or gateway still running?)" >&2
        exit 1
    fi
done

WORK="$(mktemp -d)"
trap 'kill $(cat "$WORK"/*.pid 2>/dev/null) 2>/dev/null || true; nginx -p "$WORK" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$WORK"' EXIT
cp -r policies certs-example "$WORK/"
CERTS="$WORK/certs-example"
cd "$WORK"

# The demo once, to load its case into ./data; then the two servers on their own.
SHAREGATE_LOG=warn timeout -s INT 15 "$BIN" demo > demo.out 2>&1 || true
grep -q "Ctrl-C stops the demo" demo.out || { cat demo.out; exit 1; }
SHAREGATE_LOG=warn "$BIN" node --agency education > node.out 2>&1 &
echo $! > node.pid
SHAREGATE_LOG=warn "$BIN" gateway > gateway.out 2>&1 &
echo $! > gateway.pid
sed -e "s#@DIR@#$WORK#g" -e "s#@CERTS@#$CERTS#g" -e "s#@NODE_PORT@#8446#g" -e "s#@NGINX_PORT@#$NGINX_PORT#g" \
    "$ROOT/benches/load/nginx.conf.template" > nginx.conf
nginx -p "$WORK" -c "$WORK/nginx.conf" &
sleep 2
GATEWAY=$(cat gateway.pid)
NODE=$(cat node.pid)
# Every worker (one per core): their CPU is summed.
NGINX=$(pgrep -d " " -f "nginx: worker process")

WHO="$CERTS/people/social_care-social_worker"
TLS=(--cacert "$CERTS/ca.crt" --cert "$WHO.crt" --key "$WHO.key")
BODY='{"subject":"9434765919","categories":["education.attendance"],"purpose":"safeguarding","lawful_basis":"consent","reason":"load test"}'

# User and system CPU ticks of the processes given, summed.
ticks() { for pid in "$@"; do cat "/proc/$pid/stat"; done | awk '{t += $14 + $15} END {print t}'; }
# Per thread name: "name ticks" lines, summed over threads of the same name.
threads() {
    for t in /proc/"$GATEWAY"/task/*; do echo "$(tr ' ' _ < "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done |
        awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}

measure() {
    local name="$1"; shift
    local g0 n0 x0 g1 n1 x1
    g0=$(ticks "$GATEWAY"); n0=$(ticks "$NODE"); x0=$(ticks $NGINX); threads > threads.0
    /usr/bin/time -f "%U %S" -o oha.time oha --no-tui --output-format json -z "${DURATION}s" -c "$CONCURRENCY" "${TLS[@]}" "$@" > oha.json
    g1=$(ticks "$GATEWAY"); n1=$(ticks "$NODE"); x1=$(ticks $NGINX); threads > threads.1
    python3 - "$name" "$(getconf CLK_TCK)" "$((g1 - g0))" "$((n1 - n0))" "$((x1 - x0))" <<'PY'
import json, sys
name, tck, g, n, x = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:6])
r = json.load(open("oha.json"))
ok = r["statusCodeDistribution"].get("200", 0)
user, system = map(float, open("oha.time").read().split())
per = lambda ticks: ticks * 1e6 / tck / max(ok, 1)
print(f"{name:8} {r['summary']['requestsPerSec']:8.1f} req/s  CPU per request: gateway {per(g):4.0f} µs, "
      f"nginx {per(x):4.0f} µs, node {per(n):4.0f} µs, oha {(user + system) * 1e6 / max(ok, 1):4.0f} µs")
if g:
    before = dict(l.split() for l in open("threads.0"))
    for line in open("threads.1"):
        thread, t = line.split()
        spent = int(t) - int(before.get(thread, 0))
        if per(spent) >= 1:
            print(f"         gateway thread {thread:24} {per(spent):4.0f} µs")
PY
}

# The gateway and node answer once they have opened their stores: wait for a whole answer (at most 20 s).
whole_answer() {
    curl -sf "${TLS[@]}" -H 'content-type: application/json' https://localhost:8443/v1/requests -d "$BODY" |
        grep -q '"partial":false'
}
ready=""
for _ in $(seq 1 40); do
    whole_answer && { ready=1; break; }
    sleep 0.5
done
[ -n "$ready" ] || { echo "the gateway gave no whole answer:"; tail -n 5 gateway.out node.out; exit 1; }
measure sharegate -m POST -H 'content-type: application/json' -d "$BODY" https://localhost:8443/v1/requests
measure nginx "https://localhost:$NGINX_PORT/v1/subjects/E-3003/records?categories=education.attendance"
