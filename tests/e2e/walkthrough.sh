#!/usr/bin/env bash
# The issue's "done when", end to end through opsctl against a real `opsuite` process and a
# real redis-server (started here on free loopback ports): build the org, decompose the seed's
# 1.5亿 annual target into quarters 1500万/4500万/4500万/4500万, record actuals, read
# progress, and walk a goal card from DRAFT to CLOSED with a return on the way.
set -euo pipefail
BIN="${OPSUITE_BIN_DIR:?set OPSUITE_BIN_DIR to the build directory}"
OPSUITE="$BIN/services/all/opsuite"
OPSCTL="$BIN/tools/opsctl"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() { echo "walkthrough FAILED: $*" >&2; echo "--- server log" >&2; tail -20 "$work/opsuite.log" >&2; exit 1; }

redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

grpc_port=$(port)
export OPSUITE_JWT_SECRET="e2e-$(date +%s%N)"
"$OPSUITE" --target=all --grpc_addr="127.0.0.1:$grpc_port" --data_dir="$work/data" \
  --redis="redis://127.0.0.1:$redis_port" --jwt_secret="$OPSUITE_JWT_SECRET" \
  2>"$work/opsuite.log" &
server=$!
pids+=($server)
for _ in $(seq 100); do grep -q '"opsuite ready"' "$work/opsuite.log" && break; sleep 0.1; done
grep -q '"opsuite ready"' "$work/opsuite.log" || fail "no ready line"
export OPSUITE_ADDR="127.0.0.1:$grpc_port"

admin() { "$OPSCTL" --as=admin-1:demo:admin "$@"; }
as() { local who="$1"; shift; "$OPSCTL" --as="$who:demo:employee" "$@"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
check() { [ "$1" = "$2" ] || fail "$3: expected $2, got $1"; }

"$OPSCTL" health >/dev/null || fail "health"
root=$(admin --json dept create --name=公司 | field "d['id']")
mgr=$(admin --json emp create --name=王经理 --dept="$root" --role-class=MIDDLE_MANAGER | field "d['id']")
sales=$(admin --json dept create --name=销售部 --parent="$root" --manager="$mgr" | field "d['id']")
rep=$(admin --json emp create --name=张三 --dept="$sales" --role-class=SALES --manager="$mgr" | field "d['id']")

annual=$(admin --json target create --owner=org --metric=sales --unit=units \
  --period=YEAR:2026-01-01 --value=1.5亿 | field "d['id']")
quarters=$(admin --json target decompose "$annual" --by-time=QUARTER --weights=1,3,3,3)
values=$(echo "$quarters" | field "[str(int(c['value'])) for c in d['children']]")
check "$values" "['15000000', '45000000', '45000000', '45000000']" "quarters of 1.5亿"

as "$rep" actual record --owner="employee:$rep" --metric=sales --date=2026-02-10 \
  --value=900万 --request-id=row-1 >/dev/null
as "$rep" actual record --owner="employee:$rep" --metric=sales --date=2026-02-10 \
  --value=900万 --request-id=row-1 >/dev/null  # a retry: recorded once
progress=$(as "$rep" --json progress "$annual" --as-of=2026-03-31)
check "$(echo "$progress" | field "d['actual']")" "9000000" "actual after a retried record"
check "$(echo "$progress" | field "d['planToDate']")" "15000000" "plan to date on Mar 31"
check "$(echo "$progress" | field "d['status']")" "PROGRESS_STATUS_BEHIND" "status"
as "$rep" progress "$annual" --as-of=2026-03-31 >/dev/null  # the table form works too

card=$(as "$rep" --json card create --employee="$rep" --period=MONTH:2026-03-01 \
  --task='拜访重点客户|ROUTINE|70|10 家|2026-03-31|每家有拜访日志' \
  --task='新客户签约|AD_HOC|30|2 家||' | field "d['id']")
"$OPSCTL" --as="$rep:demo:employee" card submit "$card" >/dev/null
"$OPSCTL" --as="$mgr:demo:manager" card return "$card" --reason="签约目标要写金额" >/dev/null
"$OPSCTL" --as="$rep:demo:employee" card submit "$card" >/dev/null
"$OPSCTL" --as="$mgr:demo:manager" card approve "$card" >/dev/null
"$OPSCTL" --as="$rep:demo:employee" card progress "$card" t1 80 >/dev/null
"$OPSCTL" --as="$rep:demo:employee" card self-assess "$card" t1=95,t2=90 >/dev/null
"$OPSCTL" --as="$mgr:demo:manager" card score "$card" t1=90,t2=60 >/dev/null
closed=$("$OPSCTL" --as="$mgr:demo:manager" --json card close "$card" --feedback="面谈完成")
check "$(echo "$closed" | field "d['state']")" "GOAL_CARD_STATE_CLOSED" "card state"
check "$(echo "$closed" | field "d['score']")" "81" "card score (70×90+30×60)/100"

# crm: a CSV import with one bad row (reported with its line, the rest created), a search in
# traditional characters finding simplified names, an order within credit, a payment.
printf '\xef\xbb\xbfname,tier,province,city,credit_limit,contact_name\n华南销售有限公司,一级客户,广东,广州,50000.00,陈经理\n,KEY,广东,广州,,\n北方物流,TIER2,天津,天津,,李主任\n' >"$work/customers.csv"
set +e
import_out=$(as "$rep" customer import "$work/customers.csv" 2>&1)
import_status=$?
set -e
[ "$import_status" -eq 1 ] || fail "import with a bad row should exit 1, got $import_status: $import_out"
echo "$import_out" | grep -q 'customers.csv:3: name' || fail "bad row not reported at line 3: $import_out"
echo "$import_out" | grep -q 'imported 2 customers' || fail "good rows not imported: $import_out"
as "$rep" customer export --out="$work/export.csv"
[ "$(head -c 3 "$work/export.csv" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] || fail "export has no BOM"
[ "$(grep -c . "$work/export.csv")" -eq 3 ] || fail "export should hold a header and 2 rows"
grep -q '华南销售有限公司' "$work/export.csv" || fail "export lacks an imported customer"
set +e
again=$(as "$rep" customer import "$work/export.csv" --all-or-nothing 2>&1)
set -e
echo "$again" | grep -q 'already exists' || fail "re-importing the export should hit the duplicate guard: $again"
found=$(as "$rep" --json customer list --query=銷售 | field "[c['name'] for c in d.get('customers', [])]")
check "$found" "['华南销售有限公司']" "traditional query finds the simplified name"
cust=$(as "$rep" --json customer list --query=华南 | field "d['customers'][0]['id']")
order=$(as "$rep" --json order create --customer="$cust" --kind=REGULAR --product-line=central_ac \
  --amount=30000 --signed-at=2026-03-05 | field "d['id']")
set +e
over=$(as "$rep" order create --customer="$cust" --kind=REGULAR --product-line=central_ac \
  --amount=30000 --signed-at=2026-03-06 2>&1)
set -e
echo "$over" | grep -q FAILED_PRECONDITION || fail "an order over the credit limit was accepted: $over"
paid=$(as "$rep" --json order pay "$order" --amount=30000 | field "d.get('paidInFull', False)")
check "$paid" "True" "order paid in full"
stage=$(as "$rep" --json customer get "$cust" | field "d['stage']")
check "$stage" "STAGE_FIRST_ORDER" "the first regular order moves the stage"

# Every goal-card step reached the stream, once.
n=0
for _ in $(seq 50); do
  # The `type` field's value stands alone on its line in redis-cli's raw output.
  n=$(redis-cli -p "$redis_port" xrange ops:events - + | grep -c '^planning\.goal_card\.[a-z_]*$')
  [ "$n" -ge 8 ] && break
  sleep 0.1
done
[ "$n" -eq 8 ] || fail "expected 8 goal-card events on ops:events (created, submitted, returned, submitted, approved, self_assessed, scored, closed), got $n"

kill -TERM "$server"
wait "$server" || fail "opsuite did not exit 0 on SIGTERM"
echo "walkthrough: 1 passed, 0 failed"
