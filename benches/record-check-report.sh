#!/usr/bin/env bash
# Prints the medians of the last `cargo bench --bench record_check` run and what the signature check adds.
set -euo pipefail
dir="$(dirname "$0")/../target/criterion/served_record"
median() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['median']['point_estimate'])" "$dir/$1/new/estimates.json"; }
read=$(median read)
checked=$(median read_and_check)
remembered=$(median read_and_check_remembered)
python3 - "$read" "$checked" "$remembered" <<'PY'
import sys
read, checked, remembered = (float(a) for a in sys.argv[1:])
print(f"read a served record:                      median {read/1000:.2f} µs")
print(f"read it and check its signature:           median {checked/1000:.2f} µs = {checked/read:.1f}x the read")
print(f"read it, its check remembered (RecordKeys): median {remembered/1000:.2f} µs = {remembered/read:.1f}x the read")
PY
