#!/usr/bin/env bash
# Provides the Pulumi engine on a machine that cannot download the Pulumi CLI:
# builds it from the Go module proxy into a cache outside the repository and
# prints (on stdout, nothing else) the directory holding the binaries:
#
#   export PATH="$(bash scripts/build-engine.sh):$PATH"
#
# Binaries in $CACHE/engine/bin:
#   pulumi                         the real CLI/engine, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
#   pulumi-language-nodejs         Node.js language host. The upstream one lives in its own Go module
#                                  (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
#                                  that the module proxy does not serve, so a small host written for
#                                  this project (source below) is built against pulumi/sdk/v3 instead;
#                                  it runs programs with @pulumi/pulumi's own runner (cmd/run).
#   pulumi-resource-pulumi-nodejs  plugin for pulumi.dynamic providers (runs @pulumi/pulumi's
#                                  cmd/dynamic-provider), a shell script as upstream ships it
#   pulumi-resource-keycloak       only when it can be had: built from
#                                  github.com/pulumi/pulumi-keycloak/provider/v6 when the module proxy
#                                  serves it (it did not in Nov 2026), or copied from
#                                  $PULUMI_RESOURCE_KEYCLOAK_BIN / a pulumi-resource-keycloak on PATH;
#                                  then `pulumi plugin install resource keycloak <version> --file ...`.
#
# A binary already in the cache (same recipe), or a workable one on PATH, is not rebuilt: a second run
# takes seconds. Cold build on 2 cores (empty Go caches): pulumi 6-8 min, then the language host ~35 s.
#
# Environment (all optional):
#   MCP_ACCESS_CACHE               cache root (default $HOME/.cache/mcp-gateway-access)
#   PULUMI_ENGINE_VERSION          pkg/v3 + sdk/v3 version (default v3.274.1; v3.270.0 is not served)
#   KEYCLOAK_PLUGIN_VERSION        keycloak resource plugin version (default 6.13.0, the `pulumi.version`
#                                  of @pulumi/keycloak 6.13.0)
#   KEYCLOAK_UPSTREAM_VERSION      version of github.com/keycloak/terraform-provider-keycloak to use for
#                                  pulumi-keycloak's `=> ../upstream` replace (default: the proxy's latest)
#   PULUMI_RESOURCE_KEYCLOAK_BIN   a prebuilt pulumi-resource-keycloak to install instead of building
#   MCP_ENGINE_REQUIRE_KEYCLOAK=1  fail (exit 1) when no keycloak plugin can be had; default: warn only
#   PULUMI_HOME                    where `pulumi plugin install` puts the plugin (default ~/.pulumi)
set -euo pipefail

PULUMI_ENGINE_VERSION="${PULUMI_ENGINE_VERSION:-v3.274.1}"
KEYCLOAK_PLUGIN_VERSION="${KEYCLOAK_PLUGIN_VERSION:-6.13.0}"
KEYCLOAK_PLUGIN_VERSION="${KEYCLOAK_PLUGIN_VERSION#v}"
MIN_PULUMI_MINOR=270 # a pulumi v3.N on PATH with N >= this is used as is

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MCP_ACCESS_CACHE:-${HOME:-/root}/.cache/mcp-gateway-access}"
ENGINE="$CACHE/engine"
BIN="$ENGINE/bin"
# Bump when the way a binary is built changes, so caches rebuild.
RECIPE=1

log() { echo "build-engine: $*" >&2; }
die() { echo "build-engine: ERROR: $*" >&2; exit 1; }

mkdir -p "$BIN"
# One run at a time per cache (CI steps or shells may call this concurrently).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ENGINE/.lock"
  flock 9
fi

export PULUMI_SKIP_UPDATE_CHECK="${PULUMI_SKIP_UPDATE_CHECK:-true}"
export GOFLAGS="-buildvcs=false -trimpath"
LDVERSION="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_ENGINE_VERSION"

need_go() {
  command -v go >/dev/null 2>&1 || die "Go is required to build the Pulumi engine (go on PATH; Go >= 1.26)"
}

# stamp_ok NAME CONTENT: the cached binary exists and was built by this recipe.
stamp_ok() { [ -x "$BIN/$1" ] && [ -f "$BIN/.$1.stamp" ] && [ "$(cat "$BIN/.$1.stamp")" = "$2" ]; }
stamp_set() { printf '%s' "$2" >"$BIN/.$1.stamp"; }

# on_path NAME: a NAME on PATH outside our bin dir.
on_path() {
  local p
  p="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BIN" | paste -sd: -)" command -v "$1" 2>/dev/null)" || return 1
  printf '%s' "$p"
}

elapsed() { echo $(( $(date +%s) - $1 ))s; }

# ------------------------------------------------------------------ pulumi

PULUMI="$BIN/pulumi"
build_pulumi() {
  local stamp="pulumi $PULUMI_ENGINE_VERSION recipe $RECIPE"
  if stamp_ok pulumi "$stamp"; then return; fi
  local ext
  if ext="$(on_path pulumi)"; then
    local v
    v="$("$ext" version 2>/dev/null | tr -d '[:space:]')" || v=""
    if [[ "$v" =~ ^v?3\.([0-9]+)\. ]] && (( BASH_REMATCH[1] >= MIN_PULUMI_MINOR )); then
      log "using pulumi $v from $ext"
      PULUMI="$ext"
      return
    fi
  fi
  need_go
  local src="$ENGINE/src-pulumi-$PULUMI_ENGINE_VERSION" t0
  t0=$(date +%s)
  log "building pulumi $PULUMI_ENGINE_VERSION (takes several minutes on a new machine)..."
  mkdir -p "$src"
  # The replace directives are the ones pkg/v3 and sdk/v3 carry in their go.mod (checked for v3.274.1:
  # atotto/clipboard => tgummerer/clipboard, golang.org/x/text pinned); a replace in a dependency's go.mod
  # is ignored by Go, so the main module must repeat them.
  cat >"$src/go.mod" <<EOF
module mcp-gateway-access.local/engine/pulumi

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_ENGINE_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_ENGINE_VERSION
)

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
EOF
  (
    cd "$src"
    go mod download github.com/pulumi/pulumi/pkg/v3@"$PULUMI_ENGINE_VERSION" github.com/pulumi/pulumi/sdk/v3@"$PULUMI_ENGINE_VERSION" >&2
    copy_replaces "$(go env GOMODCACHE)/github.com/pulumi/pulumi/pkg/v3@$PULUMI_ENGINE_VERSION/go.mod"
    copy_replaces "$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@$PULUMI_ENGINE_VERSION/go.mod"
    go mod tidy >&2
    go build -p 2 -ldflags "-s -w $LDVERSION" -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  )
  mv -f "$BIN/pulumi.tmp" "$BIN/pulumi"
  stamp_set pulumi "$stamp"
  log "built pulumi in $(elapsed "$t0")"
}

# copy_replaces GOMOD: repeat in ./go.mod the replace directives of GOMOD that point at another module
# version (directory replaces such as `sdk/v3 => ../sdk` are the repository layout and are skipped).
copy_replaces() {
  local line old new
  while IFS= read -r line; do
    old="${line%%=>*}"; new="${line#*=>}"
    read -r old <<<"$old"; read -r new <<<"$new" # trim
    case "$new" in .*|/*) continue ;; esac
    # `old` may carry a version, `new` must: "path version" -> "path@version"
    go mod edit -replace "$(echo "$old" | tr ' ' '@')=$(echo "$new" | tr ' ' '@')"
  done < <(awk '
    /^replace[ \t]*\(/ { inblock=1; next }
    inblock && /^\)/ { inblock=0; next }
    inblock && /=>/ { sub(/\/\/.*/, ""); print; next }
    /^replace[ \t]/ && /=>/ { sub(/^replace[ \t]+/, ""); sub(/\/\/.*/, ""); print }
  ' "$1")
}

# ----------------------------------------------------- pulumi-language-nodejs

build_langhost() {
  local src="$ENGINE/src-language-nodejs" sum stamp
  mkdir -p "$src"
  write_langhost_source "$src/main.go.new"
  sum="$(sha256sum "$src/main.go.new" | cut -c1-16)"
  stamp="pulumi-language-nodejs $PULUMI_ENGINE_VERSION $sum recipe $RECIPE"
  if stamp_ok pulumi-language-nodejs "$stamp"; then rm -f "$src/main.go.new"; return; fi
  local ext
  if [ "$PULUMI" != "$BIN/pulumi" ] && ext="$(on_path pulumi-language-nodejs)"; then
    log "using $ext (found on PATH, as is the pulumi in use)"
    rm -f "$src/main.go.new"
    return
  fi
  need_go
  local t0
  t0=$(date +%s)
  log "building pulumi-language-nodejs against pulumi/sdk $PULUMI_ENGINE_VERSION (about a minute)..."
  mv -f "$src/main.go.new" "$src/main.go"
  cat >"$src/go.mod" <<EOF
module mcp-gateway-access.local/engine/pulumi-language-nodejs

go 1.26.6

require github.com/pulumi/pulumi/sdk/v3 $PULUMI_ENGINE_VERSION
EOF
  (
    cd "$src"
    go mod download github.com/pulumi/pulumi/sdk/v3@"$PULUMI_ENGINE_VERSION" >&2
    copy_replaces "$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@$PULUMI_ENGINE_VERSION/go.mod"
    go mod tidy >&2
    go build -p 2 -ldflags "-s -w $LDVERSION" -o "$BIN/pulumi-language-nodejs.tmp" . >&2
  )
  mv -f "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
  stamp_set pulumi-language-nodejs "$stamp"
  log "built pulumi-language-nodejs in $(elapsed "$t0")"
}

# The language host. Our own code (not a copy of upstream's): it implements the
# LanguageRuntime service of github.com/pulumi/pulumi/sdk/v3/proto.
write_langhost_source() {
  cp "$REPO_DIR/scripts/engine/language-host/main.go" "$1"
}

# ---------------------------------------------- pulumi-resource-pulumi-nodejs

write_dynamic_provider_plugin() {
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

# ------------------------------------------------- pulumi-resource-keycloak

KEYCLOAK_MOD=github.com/pulumi/pulumi-keycloak/provider/v6
UPSTREAM_MOD=github.com/keycloak/terraform-provider-keycloak
KEYCLOAK_MISSING=""

# Builds pulumi-resource-keycloak from the module proxy. Returns 1 (with a message) when the proxy does
# not serve what it needs; as of Nov 2026 it refuses pulumi-keycloak, terraform-provider-keycloak and
# pulumi/terraform-plugin-sdk ("403 ... This module version is not available"), so this path has not
# been run to the end here.
build_keycloak_from_proxy() {
  local v="$KEYCLOAK_PLUGIN_VERSION" src="$ENGINE/src-keycloak-v$KEYCLOAK_PLUGIN_VERSION" dir up t0 err
  t0=$(date +%s)
  if ! err="$(cd "$ENGINE" && go mod download -json "$KEYCLOAK_MOD@v$v" 2>&1)" || [[ "$err" == *'"Error"'* ]]; then
    KEYCLOAK_MISSING="the Go module proxy does not serve $KEYCLOAK_MOD@v$v ($(printf '%s' "$err" | grep -o '403[^"]*' | head -1 | sed 's/\\n.*//'))"
    return 1
  fi
  dir="$(printf '%s' "$err" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  up="${KEYCLOAK_UPSTREAM_VERSION:-}"
  if [ -z "$up" ]; then
    up="$(cd "$ENGINE" && go list -m -f '{{.Version}}' "$UPSTREAM_MOD@latest" 2>/dev/null)" || {
      KEYCLOAK_MISSING="the Go module proxy does not serve $UPSTREAM_MOD (pulumi-keycloak's ../upstream submodule)"
      return 1
    }
  fi
  log "building pulumi-resource-keycloak $v with $UPSTREAM_MOD@$up (several minutes)..."
  rm -rf "$src" && mkdir -p "$src" && cp -a "$dir" "$src/provider" && chmod -R u+w "$src/provider" || {
    KEYCLOAK_MISSING="could not copy $dir"; return 1; }
  # (errexit is off inside a function called from `if`, hence the && chain)
  (
    cd "$src/provider" &&
      # ../upstream is a git submodule, not part of the module zip: use the proxy's copy instead.
      go mod edit -replace "$UPSTREAM_MOD=$UPSTREAM_MOD@$up" &&
      go mod download >&2 &&
      # cmd/pulumi-resource-keycloak embeds schema-embed.json, which its generate.go writes from schema.json.
      (cd cmd/pulumi-resource-keycloak && VERSION="$v" go generate ./... >&2) &&
      go build -p 2 -mod=mod \
        -ldflags "-s -w -X $KEYCLOAK_MOD/pkg/version.Version=$v" \
        -o "$BIN/pulumi-resource-keycloak.tmp" ./cmd/pulumi-resource-keycloak >&2
  ) || { KEYCLOAK_MISSING="building $KEYCLOAK_MOD@v$v failed (see above)"; return 1; }
  mv -f "$BIN/pulumi-resource-keycloak.tmp" "$BIN/pulumi-resource-keycloak"
  log "built pulumi-resource-keycloak in $(elapsed "$t0")"
}

provide_keycloak() {
  local stamp="pulumi-resource-keycloak $KEYCLOAK_PLUGIN_VERSION recipe $RECIPE" ext
  if stamp_ok pulumi-resource-keycloak "$stamp"; then return 0; fi
  if [ -n "${PULUMI_RESOURCE_KEYCLOAK_BIN:-}" ]; then
    [ -x "$PULUMI_RESOURCE_KEYCLOAK_BIN" ] || die "PULUMI_RESOURCE_KEYCLOAK_BIN=$PULUMI_RESOURCE_KEYCLOAK_BIN is not an executable"
    ext="$PULUMI_RESOURCE_KEYCLOAK_BIN"
  else
    ext="$(on_path pulumi-resource-keycloak)" || ext=""
  fi
  if [ -n "$ext" ]; then
    log "using the keycloak resource plugin $ext (taken as version $KEYCLOAK_PLUGIN_VERSION)"
    cp -f "$ext" "$BIN/pulumi-resource-keycloak.tmp" &&
      mv -f "$BIN/pulumi-resource-keycloak.tmp" "$BIN/pulumi-resource-keycloak" || die "could not copy $ext"
  else
    need_go
    build_keycloak_from_proxy || return 1
  fi
  stamp_set pulumi-resource-keycloak "$stamp"
}

install_keycloak_plugin() {
  if "$PULUMI" plugin ls 2>/dev/null |
    awk -v v="$KEYCLOAK_PLUGIN_VERSION" '$1=="keycloak" && $2=="resource" && ($3==v || $3=="v"v) {f=1} END {exit !f}'; then
    return
  fi
  log "installing the keycloak resource plugin $KEYCLOAK_PLUGIN_VERSION into ${PULUMI_HOME:-~/.pulumi}..."
  "$PULUMI" plugin install resource keycloak "$KEYCLOAK_PLUGIN_VERSION" \
    --file "$BIN/pulumi-resource-keycloak" --reinstall >&2
}

# -------------------------------------------------------------------- main

build_pulumi
build_langhost
write_dynamic_provider_plugin
if provide_keycloak; then
  install_keycloak_plugin
  keycloak_state="keycloak plugin $KEYCLOAK_PLUGIN_VERSION installed"
else
  msg="no keycloak resource plugin: $KEYCLOAK_MISSING. Programs using @pulumi/keycloak fail at"
  msg="$msg 'pulumi preview/up' until one is provided (PULUMI_RESOURCE_KEYCLOAK_BIN=/path/to/pulumi-resource-keycloak)"
  if [ "${MCP_ENGINE_REQUIRE_KEYCLOAK:-0}" = 1 ]; then die "$msg"; fi
  log "WARNING: $msg"
  keycloak_state="keycloak plugin MISSING"
fi
log "ready: $("$PULUMI" version 2>/dev/null | tr -d '[:space:]') ($PULUMI), $keycloak_state"
echo "$BIN"
