# Shared by scripts/run.sh and scripts/test.sh: install what is missing, configure, build.
# Source it; it expects ROOT to be the repository root.

# Debian packages the build, the tests and the embedded default need.
OPSUITE_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhiredis-dev libsqlite3-dev libssl-dev nlohmann-json3-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  grpc-proto golang-github-grpc-ecosystem-grpc-gateway-dev
  libopencc-dev libboost-dev
  redis-server redis-tools tzdata python3
  postgresql libpq-dev
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the packages that are not installed yet (apt-get only when something is missing).
ensure_packages() {
  local missing=()
  for p in "${OPSUITE_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${#missing[@]} missing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install: ${missing[*]}"
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
}

# ccache shared between build directories and runs (the cache key ignores where the tree is).
setup_ccache() {
  export CCACHE_BASEDIR="$ROOT"
  export CCACHE_NOHASHDIR=1
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"
}

# configure_and_build DIR [cmake args...] -- [ninja targets...]
configure_and_build() {
  local dir="$1"; shift
  local cmake_args=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  targets=("$@")
  cmake -S "$ROOT" -B "$dir" -G Ninja "${cmake_args[@]}" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log" >&2; die "cmake configure failed (log: $dir.configure.log)"; }
  ninja -C "$dir" "${targets[@]}" || die "build failed in $dir"
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
