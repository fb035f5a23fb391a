#!/usr/bin/env bash
# The issue's "done when", end to end through opsctl against a real `opsuite` process and a
# real redis-server (started here on free loopback ports): build the org, decompose the seed's
# 1.5亿 annual target into quarters 1500万/4500万/4500万/4500万, record actuals, read
# progress, and walk a goal card from DRAFT to CLOSED with a return on the way; then score:
# the seed's monthly sales assessment (examples/schemes/sales_monthly_003.json) over the org
# for last month, and the health centre's 200-point checklist (health_centre_001.json) with
# the seed's deductions, which must keep 191 points (95.5).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${OPSUITE_BIN_DIR:?set OPSUITE_BIN_DIR to the build directory}"
OPSUITE="$BIN/services/all/opsuite"
OPSCTL="$BIN/tools/opsctl"
source "$ROOT/tests/e2e/lib.sh"
fail() { echo "walkthrough FAILED: $*" >&2; echo "--- server log" >&2; tail -20 "$work/opsuite.log" >&2; exit 1; }

redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

grpc_port=$(port)
export OPSUITE_JWT_SECRET="e2e-$(date +%s%N)"
"$OPSUITE" --target=all --grpc_addr="127.0.0.1:$grpc_port" --http_addr=127.0.0.1:0 --data_dir="$work/data" \
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
# Scored at the end; created now because scoring sees department changes only after its
# cached copy of the tree expires (10 s), and its first look at the tree comes later.
centre=$(admin --json dept create --name=社区卫生服务中心 --parent="$root" | field "d['id']")

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

# scoring, 1: the monthly sales assessment of 003:371-381 for last month (a period must have
# begun). 张三 signs 12万 of central air conditioning, paid in full in the month, and his goal
# card is scored 90: band [10万, 15万) gives 80 points and a 1,000.00 bonus, 3% commission is
# 3,600.00, and the total is 60% × 80 + 40% × 90 = 84, grade B.
schemes="$ROOT/examples/schemes"
month=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
[ "$month" != 2026-03 ] || month=2026-02  # March 2026 already holds a card of 张三's
for f in sales_monthly_003.json health_centre_001.json; do
  admin scheme validate --file="$schemes/$f" >/dev/null || fail "$f does not validate"
done
sed 's/"weight": 60/"weight": 50/' "$schemes/sales_monthly_003.json" >"$work/bad_scheme.json"
set +e
bad=$(admin scheme validate --file="$work/bad_scheme.json" 2>&1); bad_status=$?
printf '{"name": "x",,}' >"$work/broken.json"
broken=$(admin scheme validate --file="$work/broken.json" 2>&1); broken_status=$?
set -e
[ "$bad_status" -eq 1 ] || fail "validate of weights summing to 90 should exit 1, got $bad_status: $bad"
echo "$bad" | grep -q '^scheme\.items.*weight' || fail "validate should name the weights: $bad"
[ "$broken_status" -eq 1 ] || fail "validate of broken JSON should exit 1, got $broken_status"
echo "$broken" | grep -q "broken.json: 1:14: expected an object key" || fail "broken JSON not located: $broken"

sales_scheme=$(admin --json scheme create --file="$schemes/sales_monthly_003.json" \
  --request-id=walk-sales-scheme | field "d['id']")
check "$(admin --json scheme create --file="$schemes/sales_monthly_003.json" \
  --request-id=walk-sales-scheme | field "d['id']")" "$sales_scheme" "scheme create retried"
admin scheme list | grep -q "^$sales_scheme  *销售人员月度绩效考核  *EMPLOYEE  *MONTHLY  *6 " \
  || fail "scheme list lacks the sales scheme: $(admin scheme list)"
admin scheme get "$sales_scheme" | grep -q '^signed_amount  *签单额  *60  *bands signed_amount' \
  || fail "scheme get: $(admin scheme get "$sales_scheme")"

card2=$(as "$rep" --json card create --employee="$rep" --period="$month" \
  --task='签约新客户|ROUTINE|60|签单 10 万||' --task='老客户回访|ROUTINE|40|20 家||' | field "d['id']")
"$OPSCTL" --as="$rep:demo:employee" card submit "$card2" >/dev/null
"$OPSCTL" --as="$mgr:demo:manager" card approve "$card2" >/dev/null
"$OPSCTL" --as="$rep:demo:employee" card self-assess "$card2" t1=95,t2=95 >/dev/null
"$OPSCTL" --as="$mgr:demo:manager" card score "$card2" t1=90,t2=90 >/dev/null
north=$(as "$rep" --json customer list --query=北方物流 | field "d['customers'][0]['id']")
order2=$(as "$rep" --json order create --customer="$north" --kind=REGULAR \
  --product-line=central_ac --amount=12万 --signed-at="$month-10" | field "d['id']")
as "$rep" order pay "$order2" --amount=12万 --at="$month-20T10:00:00+08:00" >/dev/null

# Over the whole org: 王经理 (MIDDLE_MANAGER) is no SALES employee, so 张三 alone is evaluated.
run_json=$(admin --json eval run --scheme="$sales_scheme" --period="$month" --dept="$root" \
  --request-id="walk-sales-$month" --wait 2>"$work/progress.log") \
  || fail "eval run --wait: $(cat "$work/progress.log")"
run_id=$(echo "$run_json" | field "d['id']")
check "$(echo "$run_json" | field "d['state']")" "RUN_STATE_SUCCEEDED" "sales run state"
check "$(echo "$run_json" | field "(d.get('done', 0), d.get('total', 0), d.get('failed', 0))")" \
  "(1, 1, 0)" "sales run done/total/failed"
grep -q "^run $run_id: succeeded, 1/1 done, 0 failed$" "$work/progress.log" \
  || fail "no final progress line: $(cat "$work/progress.log")"
admin eval status "$run_id" | grep -q '^state  *SUCCEEDED$' || fail "eval status"
again=$(admin --json eval run --scheme="$sales_scheme" --period="$month" --dept="$root" \
  --request-id="walk-sales-$month" | field "d['id']")
check "$again" "$run_id" "a repeated eval run with the same --request-id"

list=$(admin eval list --run="$run_id")
echo "$list" | grep -q "^$rep  *EVALUATED  *84  *B  *1,000.00  *3,600.00  .* 1  *[^ ]*$" \
  || fail "eval list: $list"
[ "$(echo "$list" | grep -c .)" -eq 2 ] || fail "eval list should hold a header and 1 row: $list"
ev=$(admin eval get --scheme="$sales_scheme" --subject="$rep" --period="$month")
for want in '^total score  *84$' '^grade  *B$' '^bonus  *1,000.00$' '^commission  *3,600.00$' \
  '^version  *1$' '^signed_amount  *签单额  *60  *12000000  *80  *签单额 120,000.00 in band' \
  '^goal_card  *目标卡  *40  *90  *90 ' '^signed_count  *签单量  .* 1  '; do
  echo "$ev" | grep -q "$want" || fail "eval get lacks /$want/: $ev"
done
admin leaderboard --scheme="$sales_scheme" --period="$month" --dept="$sales" \
  | grep -q "^1  *$rep  *84  *B$" || fail "leaderboard"
admin distribution --scheme="$sales_scheme" --period="$month" --bucket-width=10 \
  | grep -q '^\[80, 90)  *1  *#*$' || fail "distribution"
ev_id=$(admin --json eval get --scheme="$sales_scheme" --subject="$rep" --period="$month" \
  | field "d['id']")
set +e
self=$("$OPSCTL" --as="$rep:demo:employee" eval adjust "$ev_id" --score=100 --reason=我自己 2>&1)
self_status=$?
set -e
[ "$self_status" -eq 1 ] && echo "$self" | grep -q PERMISSION_DENIED \
  || fail "a subject adjusted their own evaluation: $self"
adjusted=$("$OPSCTL" --as="$mgr:demo:manager" --json eval adjust "$ev_id" --score=86 \
  --reason="大客户回款及时, 经理上调")
check "$(echo "$adjusted" | field "(d['totalScore'], d['computedScore'], d['grade'])")" \
  "(86, 84, 'B')" "adjusted evaluation"

# scoring, 2: the health centre's self-evaluation (001:3-123): 200 points, the seed's
# deductions of 9 (−1, −2.5, −1.5, −3, −1) keep 191, a score of 95.5.
hc_scheme=$(admin --json scheme create --file="$schemes/health_centre_001.json" | field "d['id']")
recorded=$(admin checklist record --scheme="$hc_scheme" --subject="$centre" --period=2026 \
  --file="$schemes/health_centre_2026_deductions.json" --request-id=walk-hc-2026)
echo "$recorded" | grep -q '^kept points  *191 of 200$' || fail "checklist record: $recorded"
echo "$recorded" | grep -q '^人员配置  *20  *-4  *16$' || fail "staffing section: $recorded"
hc_json=$(admin --json eval run --scheme="$hc_scheme" --period=2026 --subjects="$centre" \
  --wait 2>>"$work/progress.log") || fail "health centre run: $(cat "$work/progress.log")"
check "$(echo "$hc_json" | field "d['state']")" "RUN_STATE_SUCCEEDED" "health centre run state"
hc=$(admin eval get --scheme="$hc_scheme" --subject="$centre" --period=2026)
echo "$hc" | grep -q '^total score  *95.5$' || fail "health centre total: $hc"
echo "$hc" | grep -q '^self_evaluation  .*  100  *191  *95.5  ' || fail "kept points 191: $hc"
check "$(admin --json eval get --scheme="$hc_scheme" --subject="$centre" --period=2026 \
  | field "d['inputs']['checklist:self_evaluation']")" "191" "checklist input"

kill -TERM "$server"
wait "$server" || fail "opsuite did not exit 0 on SIGTERM"
echo "walkthrough: 1 passed, 0 failed"
