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

build_tool() {
  local name=$1 module version binaries wrapper ldflags
  IFS=$'\t' read -r name module version binaries wrapper ldflags <<<"$(manifest_line "$name")"
  local dir=$ROOT/$name-$version
  local recipe
  recipe=$(printf '%s\n%s\n%s\n' "$RECIPE_FORMAT" "$GO_VERSION" "$(manifest_line "$name")" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$dir/recipe" 2>/dev/null)" = "$recipe" ]; then
    say "$name $version: cached in $dir ($(cat "$dir/build.txt"))"
    return
  fi

  mkdir -p "$ROOT"
  local lock
  exec {lock}>"$ROOT/$name-$version.lock"
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
  local info date major minor patch semver=${version#v}
  info=$("$GO" mod download -json "$module@$version") || die "$module@$version is not served by the Go module proxy ($GOPROXY)"
  date=$(json_field Time <<<"$info")
  IFS=. read -r major minor patch <<<"$semver"
  patch=${patch%%[-+]*}
  local expand=(-e "s/{version}/$version/g" -e "s/{major}/$major/g" -e "s/{minor}/$minor/g" -e "s/{patch}/$patch/g" -e "s/{date}/$date/g")
  ldflags="-s -w $(sed "${expand[@]}" <<<"$ldflags")"

  local work
  work=$(mktemp -d "$ROOT/.$name-$version.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the trap must remove this build's own dir
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/bin" "$work/src"
  if [ "$wrapper" != "-" ]; then
    local upstream target
    upstream=$(json_field GoMod <<<"$info")
    target=$(sed "${expand[@]}" <<<"$wrapper")
    wrapper_gomod "$module" "$version" "$wrapper" "$upstream" "$target" >"$work/src/go.mod"
  fi

  # The go command's own output (module downloads, compiler errors) goes to a log, shown on failure.
  failed() {
    tail -n 40 "$work/go.log" >&2
    die "$name $version: $1 failed (the go command's last lines above)"
  }
  local start peak=0 seconds spent kib sizes=() entry bin pkg full
  start=$(date +%s)
  IFS=, read -r -a entries <<<"$binaries"
  for entry in "${entries[@]}"; do
    bin=${entry%%=*}; pkg=${entry#*=}
    full=$module; [ "$pkg" = . ] || full=$module/$pkg
    if [ "$wrapper" = "-" ]; then
      (cd "$work/src" && GOBIN="$work/gobin" /usr/bin/time -f '%M' -o "$work/time" \
        "$GO" install -trimpath -ldflags="$ldflags" "$full@$version" 2>>"$work/go.log") ||
        failed "go install $full@$version"
      mv "$work/gobin/"* "$work/bin/$bin"
    else
      (cd "$work/src" && /usr/bin/time -f '%M' -o "$work/time" \
        "$GO" build -mod=mod -trimpath -ldflags="$ldflags" -o "$work/bin/$bin" "$full" 2>>"$work/go.log") ||
        failed "go build $full in the wrapper module $work/src/go.mod"
    fi
    kib=$(tail -n1 "$work/time")
    [ "$kib" -gt "$peak" ] && peak=$kib
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
  IFS=$'\t' read -r _ _ version _ <<<"$(manifest_line "$2")"
  printf '%s\n' "$ROOT/$2-$version/bin"
  exit 0
fi
if [ $# -eq 0 ]; then
  mapfile -t names < <(grep -v '^#' "$MANIFEST" | cut -f1)
  set -- "${names[@]}"
fi
for name in "$@"; do build_tool "$name"; done
