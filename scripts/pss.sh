#!/usr/bin/env bash
# Prints the proportional set size (PSS: private memory plus a fair share of
# shared pages) of a process and all its descendants (for Hearth: the app and
# its WebKit web and network processes), one line each and the total, in MB.
# Usage: scripts/pss.sh PID
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: scripts/pss.sh PID" >&2; exit 2; }

descendants() {
    local pid=$1 child
    echo "$pid"
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        descendants "$child"
    done
}

total=0
for pid in $(descendants "$1"); do
    kb=$(awk '/^Pss:/ {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)
    [ -n "$kb" ] || continue
    awk -v kb="$kb" -v name="$(cat /proc/"$pid"/comm 2>/dev/null)" -v pid="$pid" \
        'BEGIN { printf "%8.1f MB  %s (%s)\n", kb / 1024, name, pid }'
    total=$((total + kb))
done
awk -v kb="$total" 'BEGIN { printf "%8.1f MB  total\n", kb / 1024 }'
