#!/usr/bin/env bash
# Builds the runtime image of deploy/Dockerfile without a container daemon or a registry --
# Debian's buildah, vfs storage, chroot isolation -- from the binaries already built in
# ${OPSUITE_BIN_DIR:-build} (staged by deploy/stage.sh, STAGED=prebuilt: the C++ is not built
# again), on a debian:12-slim stand-in made with debootstrap (cached under
# ${XDG_CACHE_HOME:-~/.cache}/opsuite/), and checks what is in it:
#   - the build ran only the prebuilt and runtime stages (the web and C++ stages were skipped);
#   - the image config: User 10001:10001, the ENTRYPOINT, the /var/lib/opsuite volume, WorkingDir,
#     every OPSUITE_* variable is a flag of opsuite (or one opsctl reads);
#   - every binary is in /usr/local/bin, root-owned, executable, stripped and the one staged;
#     ldd inside the image finds every shared library; each binary runs as uid 10001;
#     the runtime packages are installed; no apt lists or .deb files are left;
#   - uid/gid 10001 exist (passwd, group); /var/lib/opsuite is the only path they own;
#   - a smoke test like `docker run --read-only -v vol:/var/lib/opsuite`: the image's entrypoint,
#     user, working dir and env on a read-only view of the image (private mount namespace, tmpfs
#     /tmp, the volume a host dir) starts `--target=all`, is ready, answers the image's own
#     `opsctl health`, the gateway's /healthz and the web console, /metrics; writes its
#     databases to the volume only; exits 0 on SIGTERM.
# Needs root (debootstrap, chroot, mount namespaces) and the network to deb.debian.org.
#   tests/deploy/image.sh                    (OPSUITE_BIN_DIR=build-x to take other binaries)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib.sh"        # say, die, ensure_packages
source "$ROOT/tests/e2e/lib.sh"      # $work (removed on exit), pids (killed on exit), port
SECONDS=0
step() { printf '[image %3ds] %s\n' "$SECONDS" "$*" >&2; }
fail() { printf 'image check FAILED: %s\n' "$*" >&2; exit 1; }
problems=()
bad() { problems+=("$*"); printf 'image check FAILED: %s\n' "$*" >&2; }
# A progress line after checks: what was checked, and whether anything failed so far.
checked() { step "$*${problems[*]:+ (${#problems[@]} failure(s) so far)}"; }

BIN_DIR="${OPSUITE_BIN_DIR:-$ROOT/build}"
case "$BIN_DIR" in /*) ;; *) BIN_DIR="$ROOT/$BIN_DIR" ;; esac
WEB_DIST="${OPSUITE_WEB_DIST:-$ROOT/web/dist}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/opsuite"
BASE_MAX_AGE_DAYS="${OPSUITE_BASE_MAX_AGE_DAYS:-30}"
BASE_IMAGE_NAME=localhost/opsuite-debian:12-slim
IMAGE=localhost/opsuite:image-test
BINARIES=(opsuite opsuite-planning opsuite-crm opsuite-scoring opsuite-notify opsuite-scheduler opsuite-gateway opsctl)

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot and mount namespaces); run it as root"
if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  ensure_packages buildah debootstrap
fi
for t in unshare chroot mount python3 curl; do command -v "$t" >/dev/null || fail "$t is not installed"; done
[ -x "$BIN_DIR/services/all/opsuite" ] || fail "no $BIN_DIR/services/all/opsuite: build first (or set OPSUITE_BIN_DIR)"

# buildah on a throw-away store under $work, removed on exit with whatever is still mounted there.
B=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
smoke_pid=""
image_cleanup() {
  set +e
  [ -n "$smoke_pid" ] && kill -KILL "$smoke_pid" 2>/dev/null && wait "$smoke_pid" 2>/dev/null
  if [ -d "$work/storage" ]; then
    "${B[@]}" umount --all >/dev/null 2>&1
    "${B[@]}" rm --all >/dev/null 2>&1
  fi
  awk -v w="$work/" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  cleanup
}
trap image_cleanup EXIT

# ---- 1. the staged build context: binaries, runtime-packages.txt, web/
ctx="$work/context"
step "staging the binaries of $BIN_DIR (deploy/stage.sh)"
nice -n 10 bash "$ROOT/deploy/stage.sh" "$BIN_DIR" "$ctx" >"$work/stage.log" 2>&1 \
  || { cat "$work/stage.log" >&2; fail "deploy/stage.sh $BIN_DIR failed"; }
if [ -f "$WEB_DIST/index.html" ]; then
  cp -r "$WEB_DIST" "$ctx/web"; web=1
  step "web console: $WEB_DIST"
else
  mkdir "$ctx/web"; web=0
  step "web console: none ($WEB_DIST not built: cd web && npm ci && npm run build); an empty /usr/share/opsuite/web"
fi

# ---- 2. the base: debootstrap --variant=minbase bookworm, trimmed like debian:12-slim, cached
mkdir -p "$CACHE"
base_tar="$CACHE/debian-bookworm-minbase-$(dpkg --print-architecture).tar.gz"
slim_rootfs() {  # what debian:12-slim (debuerreotype) does on top of minbase
  local r="${1:?}"; [ "$r" != / ] || die "slim_rootfs: refusing /"
  rm -f "${r:?}/etc/apt/sources.list"
  cat > "${r:?}/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat > "${r:?}/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  cat > "${r:?}/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' > "${r:?}/etc/apt/apt.conf.d/docker-no-languages"
  find "${r:?}/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  find "${r:?}/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "${r:?}/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "${r:?}"/usr/share/man/* "${r:?}"/usr/share/info/* "${r:?}"/usr/share/lintian/* \
    "${r:?}"/var/cache/apt/archives/*.deb "${r:?}"/var/cache/apt/*.bin "${r:?}"/var/lib/apt/lists/* \
    "${r:?}"/var/log/*.log "${r:?}"/var/log/apt/* "${r:?}"/dev/* "${r:?}"/tmp/*
}
exec 9>"$CACHE/.lock"
flock 9   # one debootstrap at a time per cache
if [ -s "$base_tar" ] && [ -z "$(find "$base_tar" -mtime +"$BASE_MAX_AGE_DAYS")" ]; then
  step "base: cached $base_tar"
else
  step "base: debootstrap --variant=minbase bookworm from deb.debian.org (cached in $CACHE afterwards)"
  nice -n 10 debootstrap --variant=minbase bookworm "$work/debootstrap" http://deb.debian.org/debian \
    >"$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
  slim_rootfs "$work/debootstrap"
  tar --numeric-owner -C "$work/debootstrap" -cf - . | nice -n 10 gzip -1 > "$base_tar.tmp.$$"
  mv "$base_tar.tmp.$$" "$base_tar"
  rm -rf --one-file-system "$work/debootstrap"
fi
flock -u 9
step "base: importing it as $BASE_IMAGE_NAME"
c=$("${B[@]}" from scratch)
m=$("${B[@]}" mount "$c")
tar --numeric-owner -C "$m" -xzpf "$base_tar"
"${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$c"
"${B[@]}" commit -q "$c" "$BASE_IMAGE_NAME" >/dev/null
"${B[@]}" rm "$c" >/dev/null

# ---- 3. buildah bud of deploy/Dockerfile, runtime stage from the staged context
step "buildah bud --isolation chroot --storage-driver vfs -f deploy/Dockerfile (STAGED=prebuilt, RUNTIME_IMAGE=$BASE_IMAGE_NAME)"
nice -n 10 "${B[@]}" bud --isolation chroot --pull=never \
  --build-arg STAGED=prebuilt --build-arg RUNTIME_IMAGE="$BASE_IMAGE_NAME" \
  -f "$ROOT/deploy/Dockerfile" -t "$IMAGE" "$ctx" >"$work/bud.log" 2>&1 \
  || { tail -40 "$work/bud.log" >&2; fail "buildah bud failed (log above)"; }
# Only the prebuilt, staged and runtime stages ran: nothing compiled, nothing pulled.
if grep -E '^\[[0-9]+/[0-9]+\] STEP [0-9]+/[0-9]+: FROM .* AS (web|build|compiled)$' "$work/bud.log" >&2; then
  bad "buildah ran the web/build/compiled stages with STAGED=prebuilt (they should be skipped)"
fi
step "built $IMAGE"

# ---- 4. the image config
"${B[@]}" inspect --type image "$IMAGE" > "$work/inspect.json"
cfg() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["OCIv1"]["config"]; print(json.dumps(c.get(sys.argv[2])) if sys.argv[3] == "json" else (c.get(sys.argv[2]) or ""))' "$work/inspect.json" "$@"; }
user=$(cfg User raw); entrypoint=$(cfg Entrypoint json); volumes=$(cfg Volumes json); workdir=$(cfg WorkingDir raw)
[ "$user" = "10001:10001" ] || bad "image User is '$user', want 10001:10001"
[ "$entrypoint" = '["/usr/local/bin/opsuite"]' ] || bad "image Entrypoint is $entrypoint, want [\"/usr/local/bin/opsuite\"]"
[ "$volumes" = '{"/var/lib/opsuite": {}}' ] || bad "image Volumes are $volumes, want only /var/lib/opsuite"
[ "$workdir" = "/var/lib/opsuite" ] || bad "image WorkingDir is '$workdir', want /var/lib/opsuite"
mapfile -t image_env < <(python3 -c 'import json,sys; [print(e) for e in json.load(open(sys.argv[1]))["OCIv1"]["config"].get("Env") or []]' "$work/inspect.json")
declare -A envmap=()
for e in "${image_env[@]}"; do envmap["${e%%=*}"]="${e#*=}"; done
[ "${envmap[OPSUITE_DATA_DIR]:-}" = /var/lib/opsuite ] || bad "image ENV OPSUITE_DATA_DIR is '${envmap[OPSUITE_DATA_DIR]:-}', want the volume /var/lib/opsuite"
[ "${envmap[OPSUITE_WEB_DIR]:-}" = /usr/share/opsuite/web ] || bad "image ENV OPSUITE_WEB_DIR is '${envmap[OPSUITE_WEB_DIR]:-}', want /usr/share/opsuite/web"
[ "${envmap[OPSUITE_GRPC_ADDR]:-}" = 0.0.0.0:50051 ] || bad "image ENV OPSUITE_GRPC_ADDR is '${envmap[OPSUITE_GRPC_ADDR]:-}', want 0.0.0.0:50051 (every interface)"
[ "${envmap[OPSUITE_HTTP_ADDR]:-}" = 0.0.0.0:8080 ] || bad "image ENV OPSUITE_HTTP_ADDR is '${envmap[OPSUITE_HTTP_ADDR]:-}', want 0.0.0.0:8080 (every interface)"
checked "config: User $user, Entrypoint $entrypoint, Volumes $volumes, WorkingDir $workdir, ${#image_env[@]} ENV"

# ---- 5. the root filesystem
ctr=$("${B[@]}" from --pull=never "$IMAGE")
R=$("${B[@]}" mount "$ctr")
vol="$work/volume"
mkdir -p "$vol"; chown 10001:10001 "$vol"; chmod 700 "$vol"
# in_image USER:GROUP CMD...: CMD in the image's root filesystem seen read-only, as a container
# with --read-only would: a private mount namespace, /proc, a minimal /dev, tmpfs /tmp and the
# volume (a host dir) on /var/lib/opsuite. A simple command that execs all the way down to CMD
# (unshare, bash, chroot): run in the background, $! is CMD itself and gets the signals.
cat > "$work/in-image.sh" <<'EOF'
set -e
R="$1" vol="$2" userspec="$3"; shift 3
mount --bind "$R" "$R"
mount -o remount,bind,ro "$R"
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$R/tmp"
mount -t tmpfs -o mode=755,size=64k tmpfs "$R/dev"
for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
ln -s /proc/self/fd "$R/dev/fd"; ln -s fd/0 "$R/dev/stdin"; ln -s fd/1 "$R/dev/stdout"; ln -s fd/2 "$R/dev/stderr"
mount --bind "$vol" "$R/var/lib/opsuite"
exec chroot --userspec="$userspec" "$R" "$@"
EOF
IN_IMAGE=(unshare --mount --propagation private bash "$work/in-image.sh" "$R" "$vol")
in_image() { "${IN_IMAGE[@]}" "$@"; }

# 5a. the binaries
for b in "${BINARIES[@]}"; do
  f="$R/usr/local/bin/$b"
  if [ ! -f "$f" ]; then bad "/usr/local/bin/$b is missing"; continue; fi
  [ -x "$f" ] || bad "/usr/local/bin/$b is not executable (mode $(stat -c %a "$f"))"
  [ "$(stat -c %u:%g "$f")" = 0:0 ] || bad "/usr/local/bin/$b is owned by $(stat -c %u:%g "$f"), want root (0:0)"
  [ $(( 0$(stat -c %a "$f") & 022 )) -eq 0 ] || bad "/usr/local/bin/$b is group/world-writable (mode $(stat -c %a "$f"))"
  cmp -s "$f" "$ctx/bin/$b" || bad "/usr/local/bin/$b differs from the staged $BIN_DIR binary"
  if readelf -S "$f" | grep -q '\.debug_info'; then bad "/usr/local/bin/$b is not stripped (has .debug_info)"; fi
  if [ "$b" = opsctl ]; then
    out=$(in_image 10001:10001 "/usr/local/bin/$b" --help 2>&1 || true)
    grep -q '^Usage: opsctl' <<<"$out" || bad "/usr/local/bin/opsctl --help as uid 10001 did not print its usage: ${out:0:400}"
  else
    out=$(in_image 10001:10001 "/usr/local/bin/$b" --version 2>&1) \
      || bad "/usr/local/bin/$b --version as uid 10001 failed: ${out:0:400}"
  fi
done
if ldd_out=$(in_image 10001:10001 /usr/bin/ldd "${BINARIES[@]/#//usr/local/bin/}" 2>&1); then
  if grep 'not found' <<<"$ldd_out" >&2; then bad "ldd inside the image: shared libraries not found (above)"; fi
else
  bad "ldd inside the image failed: ${ldd_out:0:1000}"
fi
nlibs=$(awk '/=> \//{print $3}' <<<"$ldd_out" | sort -u | wc -l)
# Every OPSUITE_* variable of the image is a flag of opsuite (OPSUITE_<FLAG>) or one opsctl reads.
flags=$(in_image 10001:10001 /usr/local/bin/opsuite --helpfull 2>&1 | sed -nE 's/^ +--([a-z0-9_]+) \(.*/\1/p' || true)
opsctl_help=$(in_image 10001:10001 /usr/local/bin/opsctl --help 2>&1 || true)
grep -qx target <<<"$flags" || bad "could not read the flags of opsuite --helpfull inside the image"
for e in "${image_env[@]}"; do
  k="${e%%=*}"
  case "$k" in OPSUITE_*) ;; *) continue ;; esac
  f="${k#OPSUITE_}"; f="${f,,}"
  grep -qx "$f" <<<"$flags" || grep -q "env $k\b" <<<"$opsctl_help" \
    || bad "image ENV $k is neither a flag of opsuite (--$f) nor a variable opsctl reads"
done
checked "binaries: ${#BINARIES[@]} in /usr/local/bin, stripped, run as 10001; ldd inside the image resolves $nlibs libraries; the OPSUITE_* ENV are flags"

# 5b. the runtime packages; nothing of apt left behind
mapfile -t pkgs < "$ctx/runtime-packages.txt"
status=$(in_image 0:0 dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' "${pkgs[@]}" ca-certificates tzdata 2>&1 || true)
for p in "${pkgs[@]}" ca-certificates tzdata; do
  awk -v p="$p" '$1 == p && $2 == "ii" {ok = 1} END {exit !ok}' <<<"$status" || bad "Debian package $p is not installed in the image"
done
leftover=$(find "$R/var/lib/apt/lists" "$R/var/cache/apt" -type f \( -name '*.deb' -o -name '*_Packages*' -o -name '*_InRelease' -o -name '*.bin' \) 2>/dev/null | head -5 || true)
[ -z "$leftover" ] || bad "apt files left in the image: ${leftover//$R/}"
[ ! -e "$R/tmp/runtime-packages.txt" ] || bad "/tmp/runtime-packages.txt left in the image"

# 5c. the user, the volume, what uid 10001 may write
pw=$(in_image 0:0 getent passwd 10001 || true)
[[ "$pw" == opsuite:*:10001:10001:*:/var/lib/opsuite:/usr/sbin/nologin ]] || bad "/etc/passwd has no uid 10001 'opsuite' (gid 10001, home /var/lib/opsuite, nologin): '$pw'"
gr=$(in_image 0:0 getent group 10001 || true)
[[ "$gr" == opsuite:*:10001:* ]] || bad "/etc/group has no gid 10001 'opsuite': '$gr'"
[ "$(stat -c %u:%g "$R/var/lib/opsuite" 2>/dev/null)" = 10001:10001 ] || bad "/var/lib/opsuite is owned by $(stat -c %u:%g "$R/var/lib/opsuite" 2>/dev/null || echo '(missing)'), want 10001:10001"
owned=$(find "$R" -xdev \( -uid 10001 -o -gid 10001 \) -printf '/%P\n' | sort)
[ "$owned" = /var/lib/opsuite ] || bad "uid/gid 10001 should own only /var/lib/opsuite, owns: $(echo $owned)"
if [ "$web" = 1 ]; then
  [ -f "$R/usr/share/opsuite/web/index.html" ] || bad "/usr/share/opsuite/web/index.html is missing (web/dist was staged)"
else
  [ -d "$R/usr/share/opsuite/web" ] || bad "/usr/share/opsuite/web is missing"
fi
# The view the smoke test runs in really is read-only.
if in_image 0:0 /bin/sh -c 'touch /usr/local/bin/.w' >/dev/null 2>&1; then
  bad "the smoke test's view of the image is writable (it should be read-only)"
fi
checked "contents: runtime packages installed, user opsuite 10001:10001, /var/lib/opsuite 10001-owned, no apt leftovers"

# ---- 6. smoke test: entrypoint, user, working dir and env of the image; read-only root; data on the volume
grpc=$(port); http=$(port); metrics=$(port)
run_env=("${image_env[@]}" "OPSUITE_GRPC_ADDR=127.0.0.1:$grpc" "OPSUITE_HTTP_ADDR=127.0.0.1:$http"
         "OPSUITE_METRICS_ADDR=127.0.0.1:$metrics" "OPSUITE_JWT_SECRET=image-check-$RANDOM$RANDOM")
mapfile -t ep < <(python3 -c 'import json,sys; [print(e) for e in json.load(sys.stdin)]' <<<"$entrypoint")
step "smoke: ${ep[*]} --target=all as $user in $workdir on a read-only root, volume $vol"
"${IN_IMAGE[@]}" "$user" /usr/bin/env -i -C "$workdir" "${run_env[@]}" "${ep[@]}" --target=all >"$work/smoke.log" 2>&1 &
smoke_pid=$!
pids+=("$smoke_pid")
for _ in $(seq 200); do
  grep -q '"msg":"opsuite ready"' "$work/smoke.log" && break
  kill -0 "$smoke_pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q '"msg":"opsuite ready"' "$work/smoke.log"; then
  tail -20 "$work/smoke.log" >&2
  fail "opsuite --target=all did not become ready in the image within 20 s (log above)"
fi
h=$(in_image "$user" /usr/bin/env -i "${run_env[@]}" OPSUITE_ADDR="127.0.0.1:$grpc" /usr/local/bin/opsctl health 2>&1) \
  || bad "the image's opsctl health against the image's opsuite: $h"
code=$(curl -s -o "$work/healthz" -w '%{http_code}' "http://127.0.0.1:$http/healthz" || true)
[ "$code" = 200 ] || bad "gateway /healthz: HTTP $code $(head -c 300 "$work/healthz" 2>/dev/null)"
if [ "$web" = 1 ]; then
  code=$(curl -s -o "$work/index.html" -w '%{http_code}' "http://127.0.0.1:$http/" || true)
  [ "$code" = 200 ] && cmp -s "$work/index.html" "$ctx/web/index.html" || bad "the web console at / is not the staged index.html (HTTP $code)"
fi
metrics_out=$(curl -sf "http://127.0.0.1:$metrics/metrics" || true)
grep -q '^# TYPE' <<<"$metrics_out" || bad "no Prometheus metrics at http://127.0.0.1:$metrics/metrics (OPSUITE_METRICS_ADDR)"
kill -TERM "$smoke_pid"
rc=0; wait "$smoke_pid" || rc=$?
smoke_pid=""
[ "$rc" -eq 0 ] || bad "opsuite exited $rc after SIGTERM, want 0: $(tail -5 "$work/smoke.log")"
if grep -q '"level":"error"' "$work/smoke.log"; then
  bad "errors in the smoke run's log: $(grep '"level":"error"' "$work/smoke.log" | head -3 || true)"
fi
dbs=$(find "$vol" -maxdepth 1 -name '*.db' | wc -l)
[ "$dbs" -ge 5 ] || bad "the volume holds $dbs SQLite databases after the run, want one per module (5): $(ls "$vol")"
served="/healthz, /metrics"; [ "$web" = 1 ] && served="/healthz, the web console, /metrics"
checked "smoke: ready, opsctl health ${h:-?}, $served, $dbs databases on the volume, exit $rc on SIGTERM"

# ---- 7. size
size=$("${B[@]}" images --format '{{.Size}}' "$IMAGE" 2>/dev/null | head -1)
base_size=$("${B[@]}" images --format '{{.Size}}' "$BASE_IMAGE_NAME" 2>/dev/null | head -1)
if [ ${#problems[@]} -gt 0 ]; then
  printf 'image check: %d failure(s):\n' "${#problems[@]}" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "image check OK (${SECONDS}s): $IMAGE $size (base $base_size): ${#BINARIES[@]} binaries, $nlibs shared libraries from ${#pkgs[@]} packages, uid 10001, read-only root + volume smoke test passed"
