#!/usr/bin/env bash
# Builds the pinned Go tools of scripts/go-tools.tsv from their Go modules, once per recipe.
#
#   scripts/go-tools.sh [NAME...]   build (or find cached) the named tools; all when none named
#   scripts/go-tools.sh --bin NAME  the same for one tool, then print its bin directory on stdout
#
# Binaries land in $BASICKAPP_GO_TOOLS (default ${XDG_CACHE_HOME:-$HOME/.cache}/basickapp/go-tools)
# as <name>-<version>/bin/<binary>, outside the work tree, so a fresh clone on a warm machine
# builds nothing. A directory counts as built only when its `recipe` file holds the hash of the
# manifest line and the Go version; anything else is rebuilt. A lock per tool makes concurrent
# callers wait for one build instead of building twice. Each build prints its wall time, peak
# memory (max RSS of the go command and its compilers and linker) and binary sizes; a cached
# tool prints the figures of the build that made it (kept in build.txt).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
MANIFEST=$here/go-tools.tsv
ROOT=${BASICKAPP_GO_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/basickapp/go-tools}
RECIPE_FORMAT=1

say() { printf '[go-tools] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

GO=$(command -v go || true)
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || die "no go command on PATH nor at /usr/local/go/bin/go; install Go 1.26 (https://go.dev/dl) or put it on PATH"
# Never download another toolchain; static binaries need no C compiler.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
GO_VERSION=$("$GO" env GOVERSION)

manifest_line() {
  local line
  line=$(grep -v '^#' "$MANIFEST" | awk -F'\t' -v n="$1" '$1 == n' || true)
  [ -n "$line" ] || die "no tool named '$1' in $MANIFEST; tools are: $(grep -v '^#' "$MANIFEST" | cut -f1 | tr '\n' ' ')"
  printf '%s\n' "$line"
}

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

# The value of a top-level string field of `go mod download -json` output on stdin.
json_field() { sed -n "s/^\t\"$1\": \"\(.*\)\",\{0,1\}$/\1/p"; }

# go.mod of the wrapper module: require the tool's module, turn each local-path replace of its
# go.mod into a replace by a published version (other replaces are kept as they are), and keep
# its excludes: both only count in a main module, and `go install m@v` refuses a module with any.
wrapper_gomod() {
  local module=$1 version=$2 rule=$3 upstream=$4 target=${5:-}
  printf 'module basickapp.local/go-tools/wrapper\n\ngo %s\n\nrequire %s %s\n\n' "${GO_VERSION#go}" "$module" "$version"
  awk -v rule="$rule" -v target="$target" '
    /^require \(/ { inreq = 1; next }
    /^replace \(/ { inrep = 1; next }
    /^exclude \(/ { inexc = 1; next }
    /^\)/ { inreq = 0; inrep = 0; inexc = 0; next }
    inexc && NF >= 2 && $1 !~ /^\/\// { print "exclude " $1 " " $2 }
    /^exclude [^(]/ { print }
    inreq && NF >= 2 { required[$1] = $2 }
    /^require [^(]/ { required[$2] = $3 }
    inrep && /=>/ { reps[++n] = $0 }
    /^replace [^(]/ { sub(/^replace /, ""); reps[++n] = $0 }
    END {
      for (i = 1; i <= n; i++) {
        split(reps[i], side, "=>"); split(side[1], left, " "); split(side[2], right, " ")
        if (right[1] !~ /^(\.\.?\/|\/)/) { print "replace " reps[i]; continue }
        if (right[1] ~ /FORBIDDEN/) continue
        v = (rule == "required") ? required[left[1]] : target
        if (v == "" || v == "v0.0.0") { print "no published version for " left[1] > "/dev/stderr"; exit 1 }
        print "replace " left[1] " => " left[1] " " v
      }
    }' "$upstream"
}

# The module proxy's answer for module@version (download -json); dies naming the proxy if none.
module_info() {
  "$GO" mod download -json "$1@$2" || die "$1@$2 is not served by the Go module proxy ($GOPROXY)"
}

# sed expressions for the manifest's {version} {major} {minor} {patch} {date} of one version.
template_expressions() {
  local version=$1 date=${2:-} major minor patch
  IFS=. read -r major minor patch <<<"${version#v}"
  patch=${patch%%[-+]*}
  printf '%s\n' -e "s/{version}/$version/g" -e "s/{major}/$major/g" -e "s/{minor}/$minor/g" \
    -e "s/{patch}/$patch/g" -e "s/{date}/$date/g"
}

# The go.mod of tool NAME's wrapper module on stdout; nothing for a tool built by `go install`.
tool_gomod() {
  local name module version binaries wrapper ldflags info expand
  IFS=$'\t' read -r name module version binaries wrapper ldflags <<<"$(manifest_line "$1")"
  [ "$wrapper" != "-" ] || return 0
  info=$(module_info "$module" "$version") || exit 1
  mapfile -t expand < <(template_expressions "$version")
  wrapper_gomod "$module" "$version" "$wrapper" "$(json_field GoMod <<<"$info")" \
    "$(sed "${expand[@]}" <<<"$wrapper")"
}

# Where tool NAME's build lives: <name>-<version> under the root.
tool_dir() {
  local version
  IFS=$'\t' read -r _ _ version _ <<<"$(manifest_line "$1")"
  printf '%s\n' "$ROOT/$1-$version"
}

# The hash a build of tool NAME is kept under: its manifest line and the Go version.
tool_recipe() {
  printf '%s\n%s\n%s\n' "$RECIPE_FORMAT" "$GO_VERSION" "$(manifest_line "$1")" | sha256sum | cut -d' ' -f1
}

is_cached() { [ "$(cat "$(tool_dir "$1")/recipe" 2>/dev/null)" = "$(tool_recipe "$1")" ]; }

# Downloads the modules tool NAME's packages need (what its build would fetch first), so that
# the downloads of the tools built later overlap the compiling of the earlier ones.
prefetch_modules() {
  local name module version binaries wrapper ldflags tmp entry pkg pkgs=()
  IFS=$'\t' read -r name module version binaries wrapper ldflags <<<"$(manifest_line "$1")"
  tmp=$(mktemp -d)
  if [ "$wrapper" = "-" ]; then
    printf 'module basickapp.local/go-tools/prefetch\n\ngo %s\n\nrequire %s %s\n' \
      "${GO_VERSION#go}" "$module" "$version" >"$tmp/go.mod"
  else
    tool_gomod "$name" >"$tmp/go.mod"
  fi
  IFS=, read -r -a entries <<<"$binaries"
  for entry in "${entries[@]}"; do
    pkg=${entry#*=}
    if [ "$pkg" = . ]; then pkgs+=("$module"); else pkgs+=("$module/$pkg"); fi
  done
  (cd "$tmp" && "$GO" list -mod=mod -deps "${pkgs[@]}" >/dev/null 2>&1) || true
  rm -rf "$tmp"
}

build_tool() {
  local name=$1 module version binaries wrapper ldflags
  IFS=$'\t' read -r name module version binaries wrapper ldflags <<<"$(manifest_line "$name")"
  local dir
  dir=$(tool_dir "$name")
  local recipe
  recipe=$(tool_recipe "$name")
  if [ "$(cat "$dir/recipe" 2>/dev/null)" = "$recipe" ]; then
    say "$name $version: cached in $dir ($(cat "$dir/build.txt"))"
    return
  fi

  mkdir -p "$ROOT"
  local lock
  exec {lock}>"$dir.lock"
  if ! flock -n "$lock"; then
    say "$name $version: another build is running, waiting for it"
    flock "$lock"
  fi
  if [ "$(cat "$dir/recipe" 2>/dev/null)" = "$recipe" ]; then
    say "$name $version: built by the other caller ($(cat "$dir/build.txt"))"
    exec {lock}>&-
    return
  fi

  say "$name $version: building $(tr ',' '\n' <<<"$binaries" | cut -d= -f1 | paste -sd' ') from $module (this takes a while once)"
  local info date expand
  info=$(module_info "$module" "$version")
  date=$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$(json_field Info <<<"$info")")
  [ -n "$date" ] || die "$module@$version: the module proxy's .info names no commit time"
  mapfile -t expand < <(template_expressions "$version" "$date")
  ldflags="-s -w $(sed "${expand[@]}" <<<"$ldflags")"

  local work
  work=$(mktemp -d "$ROOT/.${dir##*/}.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the trap must remove this build's own dir
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/bin" "$work/src"
  if [ "$wrapper" != "-" ]; then tool_gomod "$name" >"$work/src/go.mod"; fi

  # The go command's own output (module downloads, compiler errors) goes to a log, shown on failure.
  failed() {
    tail -n 40 "$work/go.log" >&2
    die "$name $version: $1 failed (the go command's last lines above)"
  }
  local start peak=0 seconds spent sizes=() entry bin pkg full fulls=()
  start=$(date +%s)
  IFS=, read -r -a entries <<<"$binaries"
  for entry in "${entries[@]}"; do
    pkg=${entry#*=}
    full=$module; [ "$pkg" = . ] || full=$module/$pkg
    fulls+=("$full")
  done
  if [ "$wrapper" = "-" ]; then
    (cd "$work/src" && GOBIN="$work/gobin" /usr/bin/time -f '%M' -o "$work/time" \
      "$GO" install -trimpath -ldflags="$ldflags" "${fulls[0]}@$version" 2>>"$work/go.log") ||
      failed "go install ${fulls[0]}@$version"
    mv "$work/gobin/"* "$work/bin/${entries[0]%%=*}"
  elif [ ${#entries[@]} -eq 1 ]; then
    (cd "$work/src" && /usr/bin/time -f '%M' -o "$work/time" \
      "$GO" build -mod=mod -trimpath -ldflags="$ldflags" -o "$work/bin/${entries[0]%%=*}" "${fulls[0]}" 2>>"$work/go.log") ||
      failed "go build ${fulls[0]} in the wrapper module $work/src/go.mod"
  else
    # One go command for all of them: the packages they share are compiled once, and one
    # binary links while the next one's packages compile.
    mkdir "$work/out"
    (cd "$work/src" && /usr/bin/time -f '%M' -o "$work/time" \
      "$GO" build -mod=mod -trimpath -ldflags="$ldflags" -o "$work/out/" "${fulls[@]}" 2>>"$work/go.log") ||
      failed "go build ${fulls[*]} in the wrapper module $work/src/go.mod"
    for entry in "${entries[@]}"; do
      pkg=${entry#*=}
      mv "$work/out/$(basename "$pkg")" "$work/bin/${entry%%=*}"
    done
  fi
  peak=$(tail -n1 "$work/time")
  for entry in "${entries[@]}"; do
    bin=${entry%%=*}
    sizes+=("$bin $(mib "$(stat -c %s "$work/bin/$bin")")")
  done
  seconds=$(($(date +%s) - start))
  spent="built in ${seconds} s with $GO_VERSION, peak RSS $(mib $((peak * 1024))): $(IFS=,; echo "${sizes[*]}" | sed 's/,/, /g')"

  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$work/bin" "$dir/bin"
  [ -f "$work/src/go.mod" ] && cp "$work/src/go.mod" "$dir/wrapper.go.mod"
  printf '%s\n' "$spent" >"$dir/build.txt"
  printf '%s\n' "$recipe" >"$dir/recipe"
  rm -rf "$work"
  trap - EXIT
  exec {lock}>&-
  say "$name $version: $spent"
}

if [ "${1:-}" = --bin ]; then
  [ $# -eq 2 ] || die "usage: $0 --bin NAME"
  build_tool "$2"
  printf '%s\n' "$(tool_dir "$2")/bin"
  exit 0
fi
if [ $# -eq 0 ]; then
  mapfile -t names < <(grep -v '^#' "$MANIFEST" | cut -f1)
  set -- "${names[@]}"
fi
# Each tool after the first fetches its modules while the ones before it compile (the go
# command locks the module cache, so concurrent downloads of one module are safe).
prefetches=()
for name in "${@:2}"; do
  if ! is_cached "$name"; then
    prefetch_modules "$name" &
    prefetches+=($!)
  fi
done
for name in "$@"; do build_tool "$name"; done
for pid in "${prefetches[@]}"; do wait "$pid" || true; done
