#!/usr/bin/env bash
# Provides the Pulumi engine, one release (CLI, Node.js language host and @pulumi/pulumi at 3.259.0), and the
# Keycloak resource plugin, then prints (on stdout, nothing else) the directory holding the binaries:
#
#   export PATH="$(bash scripts/build-engine.sh):$PATH"
#
# On a normal machine (Pulumi installed by its installer, internet): the `pulumi` and `pulumi-language-nodejs`
# on PATH are used as they are. The Keycloak plugin is always the one this package tests and measures: built with
# its patches (scripts/patches/) from its pinned source, fetched from GitHub (needs Go and git), wherever it runs:
# the workflow, `mcp-access local`, the tests and the bench (docs/performance.md, "The plugin we measure").
# MCP_ACCESS_KEYCLOAK_SOURCE=released installs the released plugin instead (`pulumi plugin install`), unpatched.
#
# On a machine that reaches only package registries, everything is built from source:
#   pulumi                         github.com/pulumi/pulumi/pkg/v3/cmd/pulumi from the Go module proxy
#   pulumi-language-nodejs         the official host, from a source archive of pulumi/pulumi's
#                                  sdk/nodejs/cmd/pulumi-language-nodejs ($PULUMI_LANGUAGE_NODEJS_SOURCE)
#   pulumi-resource-keycloak       from a source archive of pulumi-keycloak's provider/ and its upstream
#                                  submodule ($PULUMI_KEYCLOAK_SOURCE); installed with `pulumi plugin install --file`
#   pulumi-resource-pulumi-nodejs  the plugin behind pulumi.dynamic providers (a shell script, as upstream ships it)
# Each archive's sha256 is checked against the one pinned below; builds are cached outside the repository,
# keyed by that hash, so a second run takes seconds. Cold on 2 cores: the CLI 6-8 min, the plugin 3-5 min.
#
# Environment (all optional):
#   MCP_ACCESS_CACHE                cache root (default $HOME/.cache/mcp-gateway-access)
#   PULUMI_LANGUAGE_NODEJS_SOURCE   pulumi-language-nodejs-v3.259.0.tar.gz
#   PULUMI_KEYCLOAK_SOURCE          pulumi-keycloak-v6.13.0.tar.gz
#   MCP_ACCESS_KEYCLOAK_SOURCE      without the archive: `git` (default) builds the plugin from the archive's
#                                   two commits fetched from GitHub; `released` installs the released plugin
#
# `build-engine.sh --stamp` prints the build stamp and builds nothing: a cache key that changes when a build would.
#   PULUMI_HOME                     where `pulumi plugin install` puts the plugin (default ~/.pulumi)
set -euo pipefail
# The cache root (CACHE_ROOT), log, die and hold_lock are the service scripts'.
# shellcheck source-path=SCRIPTDIR source=lib/service.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/service.sh"

ENGINE_VERSION=3.259.0      # the CLI, the language host and package.json's @pulumi/pulumi
KEYCLOAK_VERSION=6.13.0     # the `pulumi.version` of @pulumi/keycloak 6.13.0
LANGHOST_SHA256=45c311ff9e3d39671d896e80bf9fa4a001d3b5bd58cd19f1f00346c437af3503
KEYCLOAK_SHA256=b13fa8c64e0e0126e2cfd460b73976e8a38108c552223125a7cde4aa7de60171
# The archive's two sources, fetched when there is no archive: pulumi/pulumi-keycloak at tag v6.13.0 (provider/)
# and its submodule keycloak/terraform-provider-keycloak (upstream/).
KEYCLOAK_COMMIT=d68abf5db5169453bb74263ff28561517fbb2d11
KEYCLOAK_UPSTREAM_COMMIT=f1724f757eb5f25d8263866776da8ecd8734831b
# The plugin is built on this bridge, not the v3.135.0 its go.mod pins: v3.137.0 fixes
# pulumi/pulumi-terraform-bridge#3567 (every no-op `up` rewrote the checkpoint once per Keycloak resource).
# The other three are the versions pulumi-keycloak's master pins with this bridge; without them Go asks for
# pseudo-versions the module proxy refuses.
KEYCLOAK_BRIDGE=v3.137.0
# Patches (scripts/patches/): pulumi-terraform-bridge-<bridge>-*.patch to that bridge (a copy of the module, in
# the build's source folder), pulumi-keycloak-<version>-upstream-*.patch to the Terraform provider in the archive
# (upstream/); each with a Go test beside it (*_test.go) that the build runs on the provider.
PATCHES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/patches"
KEYCLOAK_BRIDGE_REQUIRES="github.com/pulumi/pulumi-terraform-bridge/v3@$KEYCLOAK_BRIDGE
github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3@v3.110.0
github.com/pulumi/pulumi-yaml@v1.38.1
github.com/pulumi/pulumi-java@v1.34.0"

ENGINE="$CACHE_ROOT/engine"
BIN="$ENGINE/bin-$ENGINE_VERSION"
RECIPE=2 # bump when the way a binary is built changes, so caches rebuild

LOG_PREFIX="build-engine: " # for log and die
elapsed() { echo $(( $(date +%s) - $1 ))s; }

export PULUMI_SKIP_UPDATE_CHECK="${PULUMI_SKIP_UPDATE_CHECK:-true}"
export GOFLAGS="-buildvcs=false -trimpath -mod=mod"
export GOTOOLCHAIN=local
LDVERSION="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$ENGINE_VERSION"

need_go() { command -v go >/dev/null 2>&1 || die "Go (>= 1.26) is required to build $1 on a machine without Pulumi"; }
stamp_ok() { [ -x "$BIN/$1" ] && [ -f "$BIN/.$1.stamp" ] && [ "$(cat "$BIN/.$1.stamp")" = "$2" ]; }
stamp_set() { printf '%s' "$2" >"$BIN/.$1.stamp"; }

# on_path NAME: a NAME on PATH outside our bin dir.
on_path() {
  PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BIN" | paste -sd: -)" command -v "$1" 2>/dev/null
}

# unpack ARCHIVE SHA256 DEST: checks the hash, then unpacks into DEST (fresh).
unpack() {
  [ -f "$1" ] || die "$1 does not exist"
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  [ "$got" = "$2" ] || die "$1 has sha256 $got, expected $2 (not the source this script builds)"
  rm -rf "$3" && mkdir -p "$3" && tar xzf "$1" -C "$3" --strip-components=1
}

# ------------------------------------------------------------------ pulumi

PULUMI="$BIN/pulumi"
EXTERNAL_ENGINE=""
provide_pulumi() {
  local stamp="pulumi $ENGINE_VERSION recipe $RECIPE" ext src t0
  if stamp_ok pulumi "$stamp"; then return; fi
  # A Pulumi installation ships the CLI and its language hosts together: use it as one release.
  if ext="$(on_path pulumi)" && on_path pulumi-language-nodejs >/dev/null; then
    log "using the Pulumi installation at $ext ($("$ext" version 2>/dev/null))"
    PULUMI="$ext"; EXTERNAL_ENGINE=1
    return
  fi
  need_go "the Pulumi CLI"
  src="$ENGINE/src-pulumi-$ENGINE_VERSION"
  t0=$(date +%s)
  log "building pulumi $ENGINE_VERSION from the Go module proxy (several minutes on a new machine)..."
  mkdir -p "$src"
  # pkg/v3's and sdk/v3's go.mod carry replace directives that Go ignores in a dependency; repeat them here
  # (checked for v3.259.0: atotto/clipboard => tgummerer/clipboard, golang.org/x/text pinned).
  cat >"$src/go.mod" <<EOF
module mcp-gateway-access.local/engine/pulumi

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 v$ENGINE_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$ENGINE_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

replace golang.org/x/text => golang.org/x/text v0.39.0

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
EOF
  (
    cd "$src"
    go mod tidy >&2
    go build -p 2 -ldflags "-s -w $LDVERSION" -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  )
  mv -f "$BIN/pulumi.tmp" "$BIN/pulumi"
  stamp_set pulumi "$stamp"
  log "built pulumi in $(elapsed "$t0")"
}

# ------------------------------------------------ pulumi-language-nodejs

provide_langhost() {
  [ -z "$EXTERNAL_ENGINE" ] || return 0
  local stamp="pulumi-language-nodejs $LANGHOST_SHA256 recipe $RECIPE" src t0
  if stamp_ok pulumi-language-nodejs "$stamp"; then return; fi
  [ -n "${PULUMI_LANGUAGE_NODEJS_SOURCE:-}" ] || die "no Node.js language host: install Pulumi \
(it ships pulumi-language-nodejs), or set PULUMI_LANGUAGE_NODEJS_SOURCE to the source archive \
pulumi-language-nodejs-v$ENGINE_VERSION.tar.gz (sdk/nodejs/cmd/pulumi-language-nodejs of pulumi/pulumi v$ENGINE_VERSION)"
  need_go "the Node.js language host"
  src="$ENGINE/src-language-nodejs-${LANGHOST_SHA256:0:16}"
  t0=$(date +%s)
  log "building the official pulumi-language-nodejs $ENGINE_VERSION from $PULUMI_LANGUAGE_NODEJS_SOURCE..."
  unpack "$PULUMI_LANGUAGE_NODEJS_SOURCE" "$LANGHOST_SHA256" "$src"
  (
    cd "$src/sdk/nodejs/cmd/pulumi-language-nodejs"
    # Its go.mod points pkg/v3 and sdk/v3 at the monorepo; use the published modules of the same release.
    go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 -dropreplace github.com/pulumi/pulumi/sdk/v3 \
      -require "github.com/pulumi/pulumi/pkg/v3@v$ENGINE_VERSION" -require "github.com/pulumi/pulumi/sdk/v3@v$ENGINE_VERSION"
    go build -p 2 -ldflags "-s -w $LDVERSION" -o "$BIN/pulumi-language-nodejs.tmp" . >&2
  )
  mv -f "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
  stamp_set pulumi-language-nodejs "$stamp"
  log "built pulumi-language-nodejs in $(elapsed "$t0")"
}

# ------------------------------------------ pulumi-resource-pulumi-nodejs

write_dynamic_provider_plugin() {
  [ -z "$EXTERNAL_ENGINE" ] || return 0
  local f="$BIN/pulumi-resource-pulumi-nodejs" tmp
  tmp="$(mktemp "$BIN/.dyn.XXXXXX")"
  cat >"$tmp" <<'EOF'
#!/bin/sh
# Resource plugin behind pulumi.dynamic providers: runs the provider entry point
# of the program's own @pulumi/pulumi npm package (started in the program's directory).
set -e
runner=$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || {
  echo "pulumi-resource-pulumi-nodejs: cannot resolve @pulumi/pulumi from $(pwd); run npm install" >&2
  exit 1
}
exec node "$runner" "$@"
EOF
  chmod 755 "$tmp"
  if [ -f "$f" ] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; else mv -f "$tmp" "$f"; fi
}

# ------------------------------------------------ pulumi-resource-keycloak

keycloak_installed() {
  "$PULUMI" plugin ls 2>/dev/null |
    awk -v v="$KEYCLOAK_VERSION" '$1=="keycloak" && $2=="resource" && ($3==v || $3=="v"v) {f=1} END {exit !f}'
}

# The files of scripts/patches/ named <prefix>-*<suffix>, one per line.
patch_files() {
  local f
  for f in "$PATCHES_DIR/$1"-*"$2"; do [ -f "$f" ] && printf '%s\n' "$f"; done
  return 0
}

# Applies patches ($3...) to the folder $1 (what $2 names, for the log and the error).
apply_patches() {
  local dir="$1" what="$2" patch
  shift 2
  for patch; do
    log "patching $what: $(basename "$patch")"
    (cd "$dir" && GIT_CEILING_DIRECTORIES="$(dirname "$dir")" git apply -p1 "$patch") ||
      die "$(basename "$patch") does not apply to $what"
  done
}

# The patches, and the Go tests (`_test.go` beside a `.patch`) run on the provider after the build.
KEYCLOAK_BRIDGE_DIR="pulumi-terraform-bridge-$KEYCLOAK_BRIDGE"
KEYCLOAK_UPSTREAM_DIR="pulumi-keycloak-$KEYCLOAK_VERSION-upstream"
mapfile -t BRIDGE_PATCHES < <(patch_files "$KEYCLOAK_BRIDGE_DIR" .patch)
mapfile -t UPSTREAM_PATCHES < <(patch_files "$KEYCLOAK_UPSTREAM_DIR" .patch)
mapfile -t PATCH_CHECKS < <(patch_files "$KEYCLOAK_BRIDGE_DIR" _test.go; patch_files "$KEYCLOAK_UPSTREAM_DIR" _test.go)

# The plugin's build stamp; the patches' and tests' contents are part of it: a changed one rebuilds the plugin.
keycloak_stamp() {
  local patched=""
  if [ $((${#BRIDGE_PATCHES[@]} + ${#UPSTREAM_PATCHES[@]} + ${#PATCH_CHECKS[@]})) -gt 0 ]; then
    patched=" patches $(cat "${BRIDGE_PATCHES[@]}" "${UPSTREAM_PATCHES[@]}" "${PATCH_CHECKS[@]}" | sha256sum | cut -d' ' -f1)"
  fi
  printf '%s' "pulumi-resource-keycloak $KEYCLOAK_SHA256 bridge $KEYCLOAK_BRIDGE recipe $RECIPE$patched"
}

# fetch_git URL COMMIT DEST: DEST is a fresh checkout of exactly COMMIT (checked, as the archive's sha256 is).
fetch_git() {
  rm -rf "$3" && mkdir -p "$3"
  git -C "$3" init -q
  git -C "$3" fetch -q --depth 1 "$1" "$2" >&2 || die "could not fetch $1 at $2; offline, set \
PULUMI_KEYCLOAK_SOURCE to the source archive pulumi-keycloak-v$KEYCLOAK_VERSION.tar.gz (or MCP_ACCESS_KEYCLOAK_SOURCE=released)"
  git -C "$3" -c advice.detachedHead=false checkout -q FETCH_HEAD
  [ "$(git -C "$3" rev-parse HEAD)" = "$2" ] || die "$1: fetched $(git -C "$3" rev-parse HEAD), expected $2"
}

# keycloak_source DEST: provider/ and upstream/ of the pinned source, from the archive or (git) from GitHub.
keycloak_source() {
  if [ -n "${PULUMI_KEYCLOAK_SOURCE:-}" ]; then
    unpack "$PULUMI_KEYCLOAK_SOURCE" "$KEYCLOAK_SHA256" "$1"
    return
  fi
  local git="$ENGINE/git-keycloak-${KEYCLOAK_COMMIT:0:12}"
  log "fetching pulumi-keycloak $KEYCLOAK_COMMIT and its upstream $KEYCLOAK_UPSTREAM_COMMIT from GitHub..."
  fetch_git https://github.com/pulumi/pulumi-keycloak "$KEYCLOAK_COMMIT" "$git/repo"
  fetch_git https://github.com/keycloak/terraform-provider-keycloak "$KEYCLOAK_UPSTREAM_COMMIT" "$git/upstream"
  rm -rf "$1" && mkdir -p "$1"
  cp -r "$git/repo/provider" "$1/provider"
  cp -r "$git/upstream" "$1/upstream" && rm -rf "$1/upstream/.git"
}

provide_keycloak() {
  local check bridge_dir
  local ldversion="-X github.com/pulumi/pulumi-keycloak/provider/v6/pkg/version.Version=$KEYCLOAK_VERSION"
  local stamp src t0 req
  stamp="$(keycloak_stamp)"
  if [ -z "${PULUMI_KEYCLOAK_SOURCE:-}" ] && [ "${MCP_ACCESS_KEYCLOAK_SOURCE:-git}" = released ]; then
    keycloak_installed && return
    log "installing the keycloak resource plugin $KEYCLOAK_VERSION (pulumi plugin install)..."
    "$PULUMI" plugin install resource keycloak "$KEYCLOAK_VERSION" >&2 || die "could not acquire the keycloak \
resource plugin $KEYCLOAK_VERSION"
    return
  fi
  # Built outside $BIN: a plugin on PATH would be used instead of the installed one (with a warning).
  # Keyed by the bridge too: a build on another bridge is never reused.
  local out="$ENGINE/keycloak-${KEYCLOAK_SHA256:0:16}-bridge-$KEYCLOAK_BRIDGE"
  mkdir -p "$out"
  rm -f "$BIN/pulumi-resource-keycloak" "$BIN/.pulumi-resource-keycloak.stamp"
  if ! [ -x "$out/pulumi-resource-keycloak" ] || [ "$(cat "$out/.stamp" 2>/dev/null)" != "$stamp" ]; then
    need_go "the Keycloak resource plugin"
    src="$ENGINE/src-keycloak-${KEYCLOAK_SHA256:0:16}-bridge-$KEYCLOAK_BRIDGE"
    t0=$(date +%s)
    log "building pulumi-resource-keycloak $KEYCLOAK_VERSION from ${PULUMI_KEYCLOAK_SOURCE:-GitHub} (several minutes)..."
    keycloak_source "$src"
    (
      # provider/go.mod replaces the upstream module with ../upstream (in the archive) and
      # terraform-plugin-sdk with Pulumi's fork. generate.go writes the embedded schema.
      cd "$src/provider"
      for req in $KEYCLOAK_BRIDGE_REQUIRES; do go mod edit -require="$req"; done
      apply_patches "$src/upstream" "the Keycloak Terraform provider (upstream/)" "${UPSTREAM_PATCHES[@]}"
      if [ ${#BRIDGE_PATCHES[@]} -gt 0 ]; then
        # The bridge from the module proxy, copied next to the sources and patched; the build uses the copy.
        go mod download "github.com/pulumi/pulumi-terraform-bridge/v3@$KEYCLOAK_BRIDGE" >&2
        bridge_dir="$(go env GOMODCACHE)/github.com/pulumi/pulumi-terraform-bridge/v3@$KEYCLOAK_BRIDGE"
        rm -rf "$src/bridge" && cp -r "$bridge_dir" "$src/bridge" && chmod -R u+w "$src/bridge"
        apply_patches "$src/bridge" "pulumi-terraform-bridge $KEYCLOAK_BRIDGE" "${BRIDGE_PATCHES[@]}"
        go mod edit -replace="github.com/pulumi/pulumi-terraform-bridge/v3=../bridge"
      fi
      (cd cmd/pulumi-resource-keycloak && VERSION="$KEYCLOAK_VERSION" go run ./generate.go >&2)
      go build -p 2 -ldflags "-s -w $ldversion" -o "$out/pulumi-resource-keycloak.tmp" \
        ./cmd/pulumi-resource-keycloak >&2
      for check in "${PATCH_CHECKS[@]}"; do
        log "checking the patched plugin: $(basename "$check")"
        cp "$check" "zz_$(basename "$check")"
      done
      if [ ${#PATCH_CHECKS[@]} -gt 0 ]; then
        go test -count=1 -v -run '^TestPatched' -ldflags "$ldversion" . >&2 ||
          die "the patched plugin fails a test of scripts/patches/"
      fi
    )
    mv -f "$out/pulumi-resource-keycloak.tmp" "$out/pulumi-resource-keycloak"
    printf '%s' "$stamp" >"$out/.stamp"
    log "built pulumi-resource-keycloak in $(elapsed "$t0")"
  fi
  # Installed (again) when the installed copy is not the one just built.
  local dir="${PULUMI_HOME:-${HOME:-/root}/.pulumi}/plugins/resource-keycloak-v$KEYCLOAK_VERSION"
  if ! keycloak_installed || ! cmp -s "$out/pulumi-resource-keycloak" "$dir/pulumi-resource-keycloak"; then
    log "installing the keycloak resource plugin $KEYCLOAK_VERSION into ${PULUMI_HOME:-~/.pulumi}..."
    "$PULUMI" plugin install resource keycloak "$KEYCLOAK_VERSION" --file "$out/pulumi-resource-keycloak" --reinstall >&2
  fi
}

# -------------------------------------------------------------------- main

if [ "${1:-}" = --stamp ]; then
  printf 'pulumi-%s-keycloak-%s-%s\n' "$ENGINE_VERSION" "$KEYCLOAK_VERSION" \
    "$(printf 'engine recipe %s; %s' "$RECIPE" "$(keycloak_stamp)" | sha256sum | cut -c1-16)"
  exit 0
fi

mkdir -p "$BIN"
# One run at a time per cache (CI steps or shells may call this concurrently).
hold_lock ENGINE_LOCK "$ENGINE/.lock"

provide_pulumi
provide_langhost
write_dynamic_provider_plugin
provide_keycloak
log "ready: pulumi $("$PULUMI" version 2>/dev/null | tr -d '[:space:]') ($PULUMI), keycloak plugin $KEYCLOAK_VERSION"
if [ -n "$EXTERNAL_ENGINE" ]; then dirname "$PULUMI"; else echo "$BIN"; fi
