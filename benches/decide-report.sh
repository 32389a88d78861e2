#!/usr/bin/env bash
# Prints the medians of the last `cargo bench --bench decide` run and their ratio.
set -euo pipefail
dir="$(dirname "$0")/../target/criterion/decide_vs_casbin_10k_rules"
median() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['median']['point_estimate'])" "$dir/$1/new/estimates.json"; }
ours=$(median sharegate_decide)
casbin=$(median casbin_enforce)
python3 - "$ours" "$casbin" <<'PY'
import sys
ours, casbin = float(sys.argv[1]), float(sys.argv[2])
print(f"sharegate decide(): median {ours/1000:.2f} µs")
print(f"casbin enforce():   median {casbin/1000:.1f} µs")
print(f"ratio: decide() is {casbin/ours:.0f}x faster than plain enforce on the same 10,000-rule policy")
PY
