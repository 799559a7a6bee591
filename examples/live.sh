#!/usr/bin/env bash
# A live pipeline: every order appended to an order log updates its customer
# at once, who is re-scored with the stored model and segmented with the
# stored cut points; one record out per order, as it arrives.
#
#   usage: examples/live.sh [LOG]
#
#   tail -n +1 -F LOG | flo-rfm --db STORE --order-id order_id --skip-bad ... |
#       flo-score --db STORE | flo-segment --db STORE --cuts default
#
# LOG     the order log, CSV with the header order_id,customer_id,date,amount
#         (default: orders.log in the current folder; made with that header
#         if missing).  Append orders to it, e.g.
#           echo o00405,c0000007,2025-07-01,25.00 >> orders.log
# STORE   $LIVE_DB, else flo.lmdb beside this script (never $FLO_DB, which
#         may be another job's store): it must hold a model and cut points
#         named "default" (`make -C examples` stores them).
# REJECTS LOG.rejects: bad lines of the log, skipped, counted and kept there
#         rather than stopping the pipeline (and again at every restart).
# HISTORY $HISTORY, else orders.csv beside this script: the orders before the
#         log, folded into the store's customer state on first use, so that
#         a customer's summary covers the whole history.
#
# Orders carry ids, so a replay is harmless: the log is read from its start
# every time (tail -n +1), an order the store has seen changes nothing, and
# its customer's record is written again.  Stop with Ctrl-C.  When a tool of
# the pipeline fails, so does the script (pipefail).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PATH="${FLO_BIN:-$here/../bin}:$PATH"
log=${1:-orders.log}
store=${LIVE_DB:-$here/flo.lmdb}
history=${HISTORY:-$here/orders.csv}

if ! flo-segment --db "$store" --print-cuts --cuts default >/dev/null 2>&1; then
	echo "live.sh: no cut points \"default\" in $store: run make -C $here first" >&2
	exit 1
fi
[ -e "$log" ] || echo "order_id,customer_id,date,amount" > "$log"

# First use: the store knows no customer yet.
if [ -z "$(flo-rfm --db "$store" --dump 2>/dev/null | sed -n 2p)" ]; then
	echo "live.sh: loading the history from $history into $store" >&2
	flo-rfm --db "$store" --order-id order_id --emit batch "$history" > /dev/null
fi

tail -n +1 -F "$log" 2>/dev/null |
	flo-rfm --db "$store" --order-id order_id --skip-bad --rejects "$log.rejects" |
	flo-score --db "$store" |
	flo-segment --db "$store" --cuts default
