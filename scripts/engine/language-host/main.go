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
