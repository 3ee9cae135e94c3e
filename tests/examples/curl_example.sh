#!/usr/bin/env bash
# The README's curl example: any language can drive mockgateway over HTTP.
# Usage: curl_example.sh http://127.0.0.1:7891   (a gateway on the default scenario)
set -euo pipefail
url=${1:-http://127.0.0.1:7891}

# Start from a clean journal: a wait counts from the last reset.
curl -sf -X POST "$url/_mock/reset" > /dev/null

# Sign the request by the manual's rule: md5(USERID + "00000000" + password + MMDDHHMMSS).
ts=$(date +%m%d%H%M%S)
pwd=$(printf 'J1000300000000111111%s' "$ts" | md5sum | cut -d' ' -f1)

# Send one SMS.
curl -sf "$url/sms/v2/std/send_single" -H 'Content-Type: application/json' \
  -d "{\"userid\":\"J10003\",\"pwd\":\"$pwd\",\"timestamp\":\"$ts\",\"mobile\":\"85292041234\",\"content\":\"hello\"}"
echo

# Wait (no sleep) until its status report is due, then fetch it as a client would.
curl -sf "$url/_mock/wait?reports=1&timeout=10"
echo
curl -sf "$url/sms/v2/std/get_rpt?userid=J10003&pwd=$pwd&timestamp=$ts"
echo

# What the gateway saw, with a diagnosis for anything it rejected.
curl -sf "$url/_mock/requests?accepted=false"
echo
