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
  cat >"$1" <<'GOSRC'
// pulumi-language-nodejs: a small Node.js language host for the Pulumi engine.
//
// Written for mcp-gateway-access because the upstream language host module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not
// served by the Go module proxy this project can reach. It speaks the
// LanguageRuntime gRPC protocol from github.com/pulumi/pulumi/sdk/v3 and runs
// programs through the runner that ships in the npm package @pulumi/pulumi
// (node_modules/@pulumi/pulumi/cmd/run), the same entry point the upstream
// host uses. It implements what `pulumi preview/up/destroy/refresh/install/
// about` need; code generation RPCs answer "unimplemented".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Exit code used by @pulumi/pulumi's runner after it has already shown the
// user an actionable error; the engine should then not print another one.
const exitCodeErrorAlreadyReported = 32

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	tracing := flag.String("tracing", "", "emit tracing to a Zipkin-compatible endpoint")
	root := flag.String("root", "", "project root directory")
	_ = flag.Bool("typescript", true, "deprecated; use the runtime option `typescript` in Pulumi.yaml")
	_ = flag.String("binary", "", "unsupported; kept for command-line compatibility")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-nodejs", "pulumi-language-nodejs", *tracing)

	engineAddress := ""
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}
	host := &nodeHost{engineAddress: engineAddress, tracing: *tracing, root: *root}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	root          string
}

func (h *nodeHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	if req.RootDirectory != nil && *req.RootDirectory != "" {
		h.root = *req.RootDirectory
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// ---------------------------------------------------------------------------
// program options (Pulumi.yaml `runtime: {name: nodejs, options: {...}}`)

type runtimeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       string
	packageManager string
}

func parseOptions(opts *structpb.Struct) runtimeOptions {
	o := runtimeOptions{typescript: true}
	if opts == nil {
		return o
	}
	m := opts.AsMap()
	if v, ok := m["typescript"].(bool); ok {
		o.typescript = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		o.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok {
		o.nodeargs = v
	}
	if v, ok := m["packagemanager"].(string); ok {
		o.packageManager = v
	}
	return o
}

// programDir returns the directory holding the program (and usually package.json).
func programDir(info *pulumirpc.ProgramInfo, fallbacks ...string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	for _, f := range fallbacks {
		if f != "" {
			return f
		}
	}
	wd, _ := os.Getwd()
	return wd
}

// ---------------------------------------------------------------------------
// required plugins: every package under node_modules whose package.json has
// a `pulumi` section with `resource: true`.

type pulumiParam struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Value   []byte `json:"value"`
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Main            string            `json:"main"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *struct {
		Resource         bool         `json:"resource"`
		Name             string       `json:"name"`
		Version          string       `json:"version"`
		Server           string       `json:"server"`
		Parameterization *pulumiParam `json:"parameterization"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

// nodeModulesDirs lists node_modules folders from dir upwards (workspaces keep
// them in a parent folder), stopping after the first one found.
func nodeModulesDirs(dir string) []string {
	var out []string
	d, _ := filepath.Abs(dir)
	for {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			out = append(out, nm)
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return out
}

// walkPackages calls fn for every package directory below a node_modules folder,
// including nested node_modules folders.
func walkPackages(nm string, seen map[string]bool, fn func(dir string, p *packageJSON)) {
	real, err := filepath.EvalSymlinks(nm)
	if err != nil || seen[real] {
		return
	}
	seen[real] = true
	entries, err := os.ReadDir(nm)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		full := filepath.Join(nm, name)
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(full)
			if err != nil {
				continue
			}
			for _, s := range scoped {
				visitPackage(filepath.Join(full, s.Name()), seen, fn)
			}
			continue
		}
		visitPackage(full, seen, fn)
	}
}

func visitPackage(dir string, seen map[string]bool, fn func(dir string, p *packageJSON)) {
	st, err := os.Stat(dir) // follows symlinks (pnpm, workspaces)
	if err != nil || !st.IsDir() {
		return
	}
	if p, err := readPackageJSON(filepath.Join(dir, "package.json")); err == nil {
		fn(dir, p)
	}
	nested := filepath.Join(dir, "node_modules")
	if st, err := os.Stat(nested); err == nil && st.IsDir() {
		walkPackages(nested, seen, fn)
	}
}

func pluginOf(p *packageJSON) (*pulumirpc.PackageDependency, bool) {
	if p.Pulumi == nil || !p.Pulumi.Resource {
		return nil, false
	}
	name := p.Pulumi.Name
	if name == "" {
		name = strings.TrimPrefix(p.Name, "@pulumi/")
		name = strings.TrimPrefix(name, "@")
	}
	ver := p.Pulumi.Version
	if ver == "" {
		ver = p.Version
	}
	if name == "" || ver == "" {
		return nil, false
	}
	if !strings.HasPrefix(ver, "v") {
		ver = "v" + ver
	}
	dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: ver, Server: p.Pulumi.Server}
	if pp := p.Pulumi.Parameterization; pp != nil && pp.Name != "" {
		pv := pp.Version
		if pv != "" && !strings.HasPrefix(pv, "v") {
			pv = "v" + pv
		}
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: pp.Name, Version: pv, Value: pp.Value}
	}
	return dep, true
}

func requiredPackages(dir string) []*pulumirpc.PackageDependency {
	var out []*pulumirpc.PackageDependency
	have := map[string]bool{}
	seen := map[string]bool{}
	for _, nm := range nodeModulesDirs(dir) {
		walkPackages(nm, seen, func(_ string, p *packageJSON) {
			dep, ok := pluginOf(p)
			if !ok {
				return
			}
			key := dep.Name + "@" + dep.Version
			if dep.Parameterization != nil {
				key += "/" + dep.Parameterization.Name + "@" + dep.Parameterization.Version
			}
			if have[key] {
				return
			}
			have[key] = true
			out = append(out, dep)
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out
}

func (h *nodeHost) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{Packages: requiredPackages(programDir(req.GetInfo()))}, nil
}

func (h *nodeHost) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var out []*pulumirpc.PluginDependency
	for _, p := range requiredPackages(programDir(req.GetInfo(), req.GetPwd())) {
		if p.Parameterization != nil {
			continue
		}
		out = append(out, &pulumirpc.PluginDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: out}, nil
}

// ---------------------------------------------------------------------------
// running a program

// resolveRunner finds @pulumi/pulumi's runner the way node would from dir.
func resolveRunner(nodeBin, dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		if filepath.IsAbs(p) {
			return p, nil
		}
		return filepath.Join(dir, p), nil
	}
	cmd := exec.Command(nodeBin, "-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run'))")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", errors.New("it looks like the Pulumi SDK has not been installed in " + dir +
			"; have you run `npm install`? (could not resolve @pulumi/pulumi/cmd/run)")
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	opts := parseOptions(info.GetOptions())
	runner, err := resolveRunner(nodeBin, dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	h.mu.Lock()
	engine, tracing, root := h.engineAddress, h.tracing, h.root
	h.mu.Unlock()
	if info.GetRootDirectory() != "" {
		root = info.GetRootDirectory()
	}

	var args []string
	if opts.nodeargs != "" {
		args = append(args, strings.Fields(opts.nodeargs)...)
	}
	args = append(args, runner)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k+"="+v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("root-directory", root)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() != 0 {
		add("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	add("tracing", tracing)
	entry := "."
	if info.GetEntryPoint() != "" {
		entry = info.GetEntryPoint()
	} else if req.GetProgram() != "" { //nolint:staticcheck
		entry = req.GetProgram() //nolint:staticcheck
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	cfg, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	sk, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(cfg),
		"PULUMI_CONFIG_SECRET_KEYS="+string(sk),
	)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	logging.V(5).Infof("language host launching: %s %s", nodeBin, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, nodeBin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeErrorAlreadyReported {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// ---------------------------------------------------------------------------
// dependencies, about

func packageManager(dir string, opts runtimeOptions) (string, []string) {
	switch opts.packageManager {
	case "yarn":
		return "yarn", []string{"install"}
	case "pnpm":
		return "pnpm", []string{"install"}
	case "bun":
		return "bun", []string{"install"}
	case "npm":
		return "npm", []string{"install"}
	}
	exists := func(f string) bool { _, err := os.Stat(filepath.Join(dir, f)); return err == nil }
	switch {
	case exists("pnpm-lock.yaml"):
		return "pnpm", []string{"install"}
	case exists("yarn.lock"):
		return "yarn", []string{"install"}
	case exists("bun.lockb"), exists("bun.lock"):
		return "bun", []string{"install"}
	}
	return "npm", []string{"install"}
}

type streamWriter struct {
	mu     *sync.Mutex
	stream pulumirpc.LanguageRuntime_InstallDependenciesServer
	stderr bool
}

func (w streamWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := append([]byte(nil), b...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: c}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: c}
	}
	if err := w.stream.Send(resp); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (h *nodeHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	stream pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.GetDirectory()
	if dir == "" {
		dir = programDir(req.GetInfo())
	}
	name, args := packageManager(dir, parseOptions(req.GetInfo().GetOptions()))
	bin, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("could not find %s on the $PATH: %w", name, err)
	}
	var mu sync.Mutex
	cmd := exec.CommandContext(stream.Context(), bin, args...)
	cmd.Dir = dir
	cmd.Stdout = streamWriter{mu: &mu, stream: stream}
	cmd.Stderr = streamWriter{mu: &mu, stream: stream, stderr: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s install failed in %s: %w", name, dir, err)
	}
	return nil
}

func (h *nodeHost) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *nodeHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, err := exec.Command(nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

func (h *nodeHost) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	// With `main: dist/index.js` the program directory is dist/: look upwards for package.json.
	var p *packageJSON
	for d, _ := filepath.Abs(dir); ; d = filepath.Dir(d) {
		var err error
		if p, err = readPackageJSON(filepath.Join(d, "package.json")); err == nil {
			dir = d
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("no package.json found in %s or above", programDir(req.GetInfo(), req.GetPwd()))
		}
	}
	names := map[string]string{}
	for k, v := range p.Dependencies {
		names[k] = v
	}
	if req.GetTransitiveDependencies() {
		for k, v := range p.DevDependencies {
			names[k] = v
		}
	}
	var keys []string
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	nms := nodeModulesDirs(dir)
	var deps []*pulumirpc.DependencyInfo
	for _, k := range keys {
		ver := names[k]
		for _, nm := range nms {
			if ip, err := readPackageJSON(filepath.Join(nm, k, "package.json")); err == nil && ip.Version != "" {
				ver = ip.Version
				break
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: k, Version: ver})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
GOSRC
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
