#!/usr/bin/env bash
# Checks deploy/: every YAML parses; compose.yaml passes `docker-compose config`; the kustomize
# overlays build; every flag and OPSUITE_* variable the manifests use exists in the binaries; the
# envoy transcoder lists every annotated service; every module starts with its Deployment's args,
# becomes healthy, and exits 0 on SIGTERM.
#   tests/deploy/check.sh            (OPSUITE_DEPLOY_CHECK_DB=postgres://... to start on PostgreSQL)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
START=$(date +%s)
skipped=()

BIN="$ROOT/build/services/all/opsuite"
OPSCTL="$ROOT/build/tools/opsctl"
[ -x "$OPSCTL" ] || OPSCTL="$ROOT/build/tools/opsctl/opsctl"
[ -x "$BIN" ] || { echo "error: $BIN not built" >&2; exit 1; }
[ -x "$OPSCTL" ] || { echo "error: opsctl not built" >&2; exit 1; }

if ! python3 -c 'import yaml' 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive timeout 120 apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null 2>&1 || true
  fi
  if ! python3 -c 'import yaml' 2>/dev/null; then
    echo "SKIP: python3 PyYAML is missing and could not be installed (apt-get install python3-yaml); nothing checked"
    exit 0
  fi
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# 1. docker-compose config (the env file is not committed: use the example).
if command -v docker-compose >/dev/null; then
  cp deploy/compose.yaml "$TMP/compose.yaml"
  cp deploy/opsuite.env.example "$TMP/opsuite.env"
  docker-compose -f "$TMP/compose.yaml" config -q
  compose="docker-compose config ok"
else
  skipped+=("docker-compose (not installed: apt-get install docker-compose)")
  compose="docker-compose skipped"
fi

# 2. kustomize builds of base and overlays.
kustomized=()
if command -v kubectl >/dev/null; then
  for k in base overlays/dev overlays/prod; do
    kubectl kustomize "deploy/k8s/$k" > "$TMP/kustomize-${k//\//-}.yaml"
    kustomized+=("$k")
  done
else
  skipped+=("kubectl kustomize (no kubectl)")
fi

"$BIN" --helpfull > "$TMP/helpfull.txt" 2>&1 || true
"$OPSCTL" --help > "$TMP/opsctl-help.txt" 2>&1 || true
"$OPSCTL" eval run --help > "$TMP/opsctl-eval-help.txt" 2>&1 || true

# 3. The Python part: YAML, flags, envoy services, and the start of every module.
ROOT="$ROOT" BIN="$BIN" OPSCTL="$OPSCTL" TMP="$TMP" python3 - <<'PY'
import glob, os, re, shlex, signal, socket, subprocess, sys, time, urllib.request, yaml

ROOT, BIN, OPSCTL, TMP = (os.environ[k] for k in ("ROOT", "BIN", "OPSCTL", "TMP"))
fail = []
def bad(msg): fail.append(msg); print("FAIL:", msg, file=sys.stderr)

# -- every YAML under deploy/ parses
docs_by_file = {}
for f in sorted(glob.glob(f"{ROOT}/deploy/**/*.y*ml", recursive=True)):
    try:
        docs_by_file[f] = [d for d in yaml.safe_load_all(open(f)) if d is not None]
    except yaml.YAMLError as e:
        bad(f"{f}: {e}")
for f in glob.glob(f"{TMP}/kustomize-*.yaml"):
    yaml.safe_load_all(open(f))

# -- the Dockerfile's contract
df = open(f"{ROOT}/deploy/Dockerfile").read()
for want_line in ("ARG BASE_IMAGE=debian:12", "ARG RUNTIME_IMAGE=debian:12-slim", "USER 10001",
                  'ENTRYPOINT ["/usr/local/bin/opsuite"]', "-DOPSUITE_BUILD_TESTS=OFF"):
    if want_line not in df: bad(f"deploy/Dockerfile: no {want_line!r}")

flags = set(re.findall(r"^\s+--(\w+) \(", open(f"{TMP}/helpfull.txt").read(), re.M))
if "target" not in flags or "db" not in flags: bad("could not read the flags from opsuite --helpfull")
opsctl_help = open(f"{TMP}/opsctl-help.txt").read() + open(f"{TMP}/opsctl-eval-help.txt").read()
opsctl_env = set(re.findall(r"env (OPSUITE_\w+)", opsctl_help))
opsctl_flags = set(re.findall(r"--([\w-]+)", opsctl_help))

checked = {"flags": set(), "env": set()}
def check_flag(arg, where):
    m = re.match(r"--([\w-]+)", arg)
    if not m: return
    name = m.group(1).replace("-", "_")
    if name not in flags: bad(f"{where}: --{name} is not a flag of opsuite")
    checked["flags"].add(name)
def check_env(name, where):
    if not name.startswith("OPSUITE_"): return
    flag = name[len("OPSUITE_"):].lower()
    if flag not in flags: bad(f"{where}: {name} maps to --{flag}, not a flag of opsuite")
    checked["env"].add(name)
def check_opsctl_script(script, env, where):
    for n in env:
        if n.startswith("OPSUITE_") and n not in opsctl_env: bad(f"{where}: opsctl reads no {n}")
    for fl in re.findall(r"\s--([\w-]+)", script):
        if fl not in opsctl_flags: bad(f"{where}: opsctl has no --{fl}")

# -- compose.yaml
compose = docs_by_file[f"{ROOT}/deploy/compose.yaml"][0]
def env_file_keys(path):
    return [l.split("=", 1)[0] for l in open(path) if re.match(r"^[A-Z_]+=", l)]
for k in env_file_keys(f"{ROOT}/deploy/opsuite.env.example"): check_env(k, "opsuite.env.example")
for name, svc in compose["services"].items():
    if not str(svc.get("image", "")).startswith("opsuite"): continue
    for a in svc.get("command", []): check_flag(a, f"compose {name}")
    for k in (svc.get("environment") or {}): check_env(k, f"compose {name}")

# -- k8s manifests
k8s = [(f, d) for f, ds in docs_by_file.items() if "/deploy/k8s/" in f for d in ds]
deployments = {}
configmap = {}
for f, d in k8s:
    kind = d.get("kind")
    where = f"{os.path.relpath(f, ROOT)} {kind}/{d.get('metadata', {}).get('name')}"
    if kind == "ConfigMap" and d["metadata"]["name"] == "opsuite-config":
        configmap = d["data"]
        for k in d["data"]: check_env(k, where)
    if kind == "Secret":
        for k in (d.get("stringData") or {}): check_env(k, where)
    spec = None
    if kind == "Deployment": spec = d["spec"]["template"]["spec"]
    if kind == "CronJob": spec = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if spec is None: continue
    for c in spec["containers"]:
        env = [e["name"] for e in c.get("env", [])]
        script = " ".join(c.get("command", []) + c.get("args", []))
        if "opsctl" in script:
            check_opsctl_script(script, env, where)
            continue
        for a in c.get("args", []): check_flag(a, where)
        for n in env: check_env(n, where)
        sc = c.get("securityContext", {})
        if not (sc.get("readOnlyRootFilesystem") and sc.get("runAsNonRoot") and sc.get("capabilities", {}).get("drop") == ["ALL"]):
            bad(f"{where}: securityContext is not read-only/non-root/drop ALL")
        for p in ("livenessProbe", "startupProbe"):
            if c.get(p, {}).get("grpc", {}).get("port") != 50051: bad(f"{where}: {p} is not grpc on 50051")
        if kind == "Deployment": deployments[d["metadata"]["name"]] = c

want = {"planning", "crm", "scoring", "notify", "scheduler", "gateway"}
if set(deployments) != want: bad(f"Deployments {sorted(deployments)} != {sorted(want)}")

# -- envoy: the transcoder lists every service with google.api.http annotations
annotated = set()
for f in glob.glob(f"{ROOT}/proto/opsuite/*/v1/*.proto"):
    s = open(f).read()
    pkg = re.search(r"^package (\S+);", s, re.M).group(1)
    for m in re.finditer(r"^service (\w+) \{(.*?)^\}", s, re.M | re.S):
        if "google.api.http" in m.group(2): annotated.add(f"{pkg}.{m.group(1)}")
envoy = docs_by_file[f"{ROOT}/deploy/envoy/envoy.yaml"][0]
hcm = envoy["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
listed = set(next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.grpc_json_transcoder")["typed_config"]["services"])
if listed != annotated: bad(f"envoy services {sorted(listed ^ annotated)} differ from the annotated ones")
clusters = {c["name"] for c in envoy["static_resources"]["clusters"]}
for s in annotated:
    mod = s.split(".")[1]
    if mod not in clusters: bad(f"envoy: no cluster for {s}")

# -- start every module with its Deployment's args
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
db = os.environ.get("OPSUITE_DEPLOY_CHECK_DB", "")
started = []
for name in sorted(deployments):
    c = deployments[name]
    data = os.path.join(TMP, f"data-{name}"); os.makedirs(data)
    ports = {}
    args = []
    for a in c["args"]:
        flag, _, val = a.partition("=")
        if flag in ("--grpc_addr", "--http_addr", "--metrics_addr"):
            ports[flag] = free_port(); a = f"{flag}=127.0.0.1:{ports[flag]}"
        elif flag == "--data_dir": a = f"{flag}={data}"
        elif flag == "--web_dir": a = f"{flag}={ROOT}/web/dist"
        args.append(a)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSUITE_")}
    for k, v in configmap.items():
        if k == "OPSUITE_REDIS": continue                  # in-process cache and bus
        if k == "OPSUITE_PEERS":                            # unreachable loopback peers
            v = ",".join(f"{p.split('=')[0]}=127.0.0.1:{i + 1}" for i, p in enumerate(v.split(",")))
        env[k] = v
    env["OPSUITE_JWT_SECRET"] = "deploy-check-secret"
    if db: env["OPSUITE_DB"] = db
    log = open(os.path.join(TMP, f"{name}.log"), "w+")
    proc = subprocess.Popen([BIN] + args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data)
    ok = False
    deadline = time.time() + 20
    while time.time() < deadline and proc.poll() is None:
        log.seek(0)
        if '"msg":"opsuite ready"' in log.read(): ok = True; break
        time.sleep(0.1)
    if not ok:
        log.seek(0); bad(f"{name}: not ready with {args}:\n{log.read()[-2000:]}")
        if proc.poll() is None: proc.kill(); proc.wait()
        continue
    h = subprocess.run([OPSCTL, f"--addr=127.0.0.1:{ports['--grpc_addr']}", "health"], capture_output=True, text=True, timeout=15)
    if h.returncode != 0: bad(f"{name}: opsctl health exit {h.returncode}: {h.stdout}{h.stderr}")
    if name == "gateway":
        port = ports["--http_addr"]
        try:
            r = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            if r.status != 200: bad(f"gateway /healthz: {r.status}")
        except Exception as e:
            bad(f"gateway /healthz: {e}")
        # compose's healthcheck command, on this port
        hc = compose["services"]["gateway"]["healthcheck"]["test"]
        cmd = [x.replace("127.0.0.1/8080", f"127.0.0.1/{port}") for x in hc[1:]]
        if subprocess.run(cmd, timeout=10).returncode != 0: bad("gateway: compose healthcheck command failed")
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill(); proc.wait(); rc = "timeout"
    if rc != 0:
        log.seek(0); bad(f"{name}: exit {rc} after SIGTERM:\n{log.read()[-2000:]}")
    else:
        started.append(name)

if fail:
    print(f"deploy check: {len(fail)} failure(s)", file=sys.stderr); sys.exit(1)
with open(f"{TMP}/summary", "w") as s:
    s.write(f"{len(docs_by_file)} YAML files parse; {len(checked['flags'])} flags and {len(checked['env'])} OPSUITE_* variables exist; "
            f"envoy lists {len(listed)} services; started, healthy and stopped (SIGTERM, exit 0) on {'PostgreSQL' if db else 'SQLite'}: {', '.join(started)}")
PY

summary="$(cat "$TMP/summary")"
k="kustomize: ${kustomized[*]:-skipped}"
echo "deploy check OK ($(( $(date +%s) - START ))s): $summary; $compose; $k${skipped:+; skipped: ${skipped[*]}}"
