#!/usr/bin/env bash
# Stages what the runtime image needs from a build directory: the 8 binaries (stripped) in
# OUT_DIR/bin, and OUT_DIR/runtime-packages.txt, the Debian packages that hold their shared
# libraries (ldd + dpkg -S; OUT_DIR/dpkg-S.txt has the library -> package lines). Fails when a
# binary is missing, a library is not found, or no Debian package holds a library.
# The Dockerfile's build stage runs it; tests/deploy/image.sh runs it on already-built binaries.
#   deploy/stage.sh BUILD_DIR OUT_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 2; }
build="$1" out="$2"
fail() { echo "deploy/stage.sh: $*" >&2; exit 1; }

bins=("$build/services/all/opsuite")
for s in planning crm scoring notify scheduler gateway; do bins+=("$build/services/$s/opsuite-$s"); done
opsctl="$build/tools/opsctl"
[ -f "$opsctl" ] || opsctl="$build/tools/opsctl/opsctl"
bins+=("$opsctl")
for b in "${bins[@]}"; do [ -f "$b" ] && [ -x "$b" ] || fail "$b is missing or not executable (build it first)"; done

mkdir -p "$out/bin"
cp "${bins[@]}" "$out/bin/"
strip "$out/bin/"*

# Every shared library must resolve, and a Debian package must hold it.
ldd "$out/bin/"* > "$out/ldd.txt" || fail "ldd failed on $out/bin"
if grep -q 'not found' "$out/ldd.txt"; then
  fail "shared libraries not found: $(grep 'not found' "$out/ldd.txt" | sort -u | tr -s ' \t' ' ' | paste -sd, -)"
fi
# One dpkg -S for every library, its real path and that without /usr (merged /usr), not one per file.
mapfile -t libs < <(awk '/=> \//{print $3}' "$out/ldd.txt" | sort -u)
[ ${#libs[@]} -gt 0 ] || fail "ldd printed no shared libraries for $out/bin"
cands=()
for lib in "${libs[@]}"; do real="$(realpath "$lib")"; cands+=("$lib" "$real" "${real#/usr}"); done
declare -A owner=()
while IFS= read -r line; do
  case "$line" in diversion*) continue ;; esac
  owner["${line##*: }"]="$line"
done < <(dpkg -S "${cands[@]}" 2>/dev/null || true)
: > "$out/dpkg-S.txt"
for ((i = 0; i < ${#cands[@]}; i += 3)); do
  found=""
  for c in "${cands[@]:i:3}"; do [ -n "${owner[$c]:-}" ] && { found="${owner[$c]}"; break; }; done
  [ -n "$found" ] || fail "no Debian package holds ${cands[i]} (${cands[i+1]}): the runtime image could not install it"
  echo "$found" >> "$out/dpkg-S.txt"
done
rm "$out/ldd.txt"
# "pkg[:arch][, pkg2[:arch]]: /path" -> package names; -dev packages only hold symlinks.
sed 's/: \/.*//' "$out/dpkg-S.txt" | tr ',' '\n' | sed 's/^ *//; s/:.*//' | grep . | sort -u \
  | { grep -v -- '-dev$' || true; } > "$out/runtime-packages.txt"
[ -s "$out/runtime-packages.txt" ] || fail "no runtime packages found (ldd printed no libraries?)"
echo "staged ${#bins[@]} binaries in $out/bin; runtime packages: $(paste -sd' ' "$out/runtime-packages.txt")"
