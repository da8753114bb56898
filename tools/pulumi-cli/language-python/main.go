// Command pulumi-language-python is pulumi-secgroups' own minimal Python language host.
//
// Why it exists: like the Node.js one (../language-nodejs), the upstream Python language host is a
// separate, untagged Go module that the Go module proxy reachable from our build machines refuses
// to serve, so it cannot be built here. This host implements the part of the LanguageRuntime gRPC
// protocol that Python programs using this project's provider plugin (../../../plugin) need:
//
//   - Run (`pulumi up/preview/refresh/destroy`) runs the program with the upstream exec script
//     (exec.py, embedded and run with `python -c`), with the arguments and environment the upstream
//     host passes it.
//   - GeneratePackage (`pulumi package gen-sdk --language python`, `pulumi package add`) writes a
//     Python SDK with pkg/v3/codegen/python; Link (`pulumi package add`) adds the generated SDK's
//     directory to requirements.txt as upstream does, and InstallDependencies installs
//     requirements.txt into the program's virtualenv.
//   - GetRequiredPackages/GetRequiredPlugins report the Pulumi packages installed in the program's
//     Python environment (those shipping a pulumi-plugin.json, as generated SDKs do).
//   - Handshake, GetPluginInfo, About, GetProgramDependencies and Cancel.
//
// Everything else (RunPlugin, so Python providers and policy packs; templates; program generation;
// Pack) answers "unimplemented". Of upstream's runtime options only `virtualenv` is honoured (a
// path relative to the project directory, or absolute), with the pip toolchain: `toolchain: pip`
// is accepted, poetry, uv and typecheckers are refused with an error. Without `virtualenv` the
// host runs $PULUMI_PYTHON_CMD, else python3, else python from $PATH, as upstream does (the
// interpreter lookup and virtualenv activation are upstream's own, from sdk/v3/python/toolchain).
//
// Protocol: the engine starts `pulumi-language-python [flags] ENGINE_ADDRESS`; the host prints the
// port of its gRPC server on stdout and serves until the engine stops it, or exits by itself once
// the engine is gone.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blang/semver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// execScript runs a program: upstream's pulumi-language-python-exec (see exec.py).
//
//go:embed exec.py
var execScript string

// exitAfterUserMessage is the exit code with which exec.py says it has already reported the error.
const exitAfterUserMessage = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string

	watching sync.Once
	mu       sync.Mutex
	programs map[*exec.Cmd]struct{}
}

// watchEngine ends this host, and every program it runs, once the engine is gone: a `pulumi`
// CLI that was killed leaves no language host or program behind. The engine's address stops
// accepting connections when it dies; three refused probes a second apart mean it is gone.
func (h *host) watchEngine() {
	if h.engineAddress == "" {
		return
	}
	h.watching.Do(func() {
		go func() {
			failures := 0
			for {
				time.Sleep(time.Second)
				conn, err := net.DialTimeout("tcp", h.engineAddress, 2*time.Second)
				if err == nil {
					_ = conn.Close()
					failures = 0
					continue
				}
				if failures++; failures < 3 {
					continue
				}
				h.signalPrograms(syscall.SIGKILL)
				fmt.Fprintf(os.Stderr, "pulumi-language-python: the engine at %s is gone; exiting\n", h.engineAddress)
				os.Exit(1)
			}
		}()
	})
}

// signalPrograms sends sig to every program this host runs, and to the processes they started:
// each program leads a process group of its own (see Run).
func (h *host) signalPrograms(sig syscall.Signal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.programs {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, sig)
		}
	}
}

// exitOnInterrupt ends the programs and this host when the engine closes the host. The engine
// closes a plugin by interrupting its process group (SIGKILL 5 s later), once it no longer needs
// it: the deployment is over, or failed. A Python program interrupted there raises
// KeyboardInterrupt wherever it is, often in the middle of its SDK's report that the resource
// monitor has shut down, and prints a chain of tracebacks under the error that failed the
// deployment (a Node program just exits). So programs run in process groups of their own, which
// the engine's interrupt does not reach, and this host kills them when it gets it.
func (h *host) exitOnInterrupt() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		h.signalPrograms(syscall.SIGKILL)
		os.Exit(0)
	}()
}

// track records a started program so that watchEngine and Cancel reach it; the returned func forgets it.
func (h *host) track(cmd *exec.Cmd) func() {
	h.mu.Lock()
	h.programs[cmd] = struct{}{}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.programs, cmd)
		h.mu.Unlock()
	}
}

func main() {
	h := &host{programs: map[*exec.Cmd]struct{}{}}
	h.exitOnInterrupt()
	// Flags the engine may pass (-v=9, --logtostderr, --logflow, -root=DIR, --tracing URL) are
	// accepted and, but for tracing, ignored; the last positional argument is the engine address.
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-version" || a == "--version":
			fmt.Println(version.Version)
			return
		case a == "-tracing" || a == "--tracing":
			if i+1 < len(args) {
				h.tracing = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "-tracing=") || strings.HasPrefix(a, "--tracing="):
			h.tracing = a[strings.Index(a, "=")+1:]
		case strings.HasPrefix(a, "-"):
		default:
			h.engineAddress = a
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	h.watchEngine()
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

// Handshake records the engine address when the engine uses the handshake form of start-up.
func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
		h.watchEngine()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// GetPluginInfo reports the version this host was built for (set by the build's -ldflags).
func (h *host) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// pythonOptions reads the runtime options of Pulumi.yaml (or PulumiPlugin.yaml) this host honours.
// A virtualenv is resolved against the project's root directory, as upstream does. Plugins default
// to the virtualenv `venv`, as upstream's do.
func pythonOptions(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Toolchain:  toolchain.Pip,
	}
	if opts.Root == "" {
		opts.Root = opts.ProgramDir
	}
	fields := info.GetOptions().GetFields()
	if v, ok := fields["virtualenv"]; ok {
		s, isString := v.GetKind().(*structpb.Value_StringValue)
		if !isString {
			return opts, errors.New("runtime option virtualenv must be a string")
		}
		opts.Virtualenv = s.StringValue
	}
	if v, ok := fields["toolchain"]; ok && v.GetStringValue() != "pip" {
		return opts, fmt.Errorf("runtime option toolchain %q is not supported by pulumi-secgroups' Python language host "+
			"(tools/pulumi-cli/language-python): it runs pip only", v.GetStringValue())
	}
	if v, ok := fields["typechecker"]; ok && v.GetStringValue() != "" {
		return opts, fmt.Errorf("runtime option typechecker %q is not supported by pulumi-secgroups' Python language host "+
			"(tools/pulumi-cli/language-python)", v.GetStringValue())
	}
	if isPlugin && opts.Virtualenv == "" {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

// resolveToolchain is upstream's pip toolchain for opts: the virtualenv's python with the
// virtualenv activated in its environment, or the python on $PATH.
func resolveToolchain(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.Toolchain, toolchain.PythonOptions, error) {
	opts, err := pythonOptions(info, isPlugin)
	if err != nil {
		return nil, opts, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	return tc, opts, err
}

// constructConfig is the PULUMI_CONFIG exec.py reads: a JSON object, `{}` when the stack has no
// config. Its keys are the engine's own, `<namespace>:<name>`, as the upstream Python host passes
// them: the Python SDK looks config up by exactly that key (pulumi.Config("ns").get("name") reads
// "ns:name"), unlike @pulumi/pulumi, which also accepts the older `<namespace>:config:<name>`.
func constructConfig(req *pulumirpc.RunRequest) (string, error) {
	cfg := req.GetConfig()
	if cfg == nil {
		cfg = map[string]string{}
	}
	out, err := json.Marshal(cfg)
	return string(out), err
}

// constructConfigSecretKeys is PULUMI_CONFIG_SECRET_KEYS: a JSON array, `[]` when there are none.
func constructConfigSecretKeys(req *pulumirpc.RunRequest) (string, error) {
	keys := req.GetConfigSecretKeys()
	if keys == nil {
		keys = []string{}
	}
	out, err := json.Marshal(keys)
	return string(out), err
}

// constructArguments are exec.py's arguments, as upstream's host builds them.
func (h *host) constructArguments(req *pulumirpc.RunRequest) []string {
	var args []string
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("root_directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	add("organization", req.GetOrganization())
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = "."
	}
	args = append(args, program)
	return append(args, req.GetArgs()...)
}

// Run executes the program with exec.py and reports a failure as the engine expects: exit code 32
// means exec.py has shown the error already (bail), any other failure is an error.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "attaching a debugger is not supported by pulumi-secgroups' Python language host"}, nil
	}
	tc, _, err := resolveToolchain(req.GetInfo(), false)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	// A missing or broken virtualenv gets upstream's message, which says how to make one.
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	configJSON, err := constructConfig(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration: %v", err)}, nil
	}
	secretJSON, err := constructConfigSecretKeys(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration secret keys: %v", err)}, nil
	}

	// -u as upstream: the program's output reaches the engine as it is printed (a pipe would buffer it).
	args := append([]string{"-u", "-c", execScript}, h.constructArguments(req)...)
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env, "PULUMI_CONFIG="+configJSON, "PULUMI_CONFIG_SECRET_KEYS="+secretJSON)
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	// The program leads a process group of its own (see exitOnInterrupt). When the engine ends
	// the call (and so ctx) the deployment is over or failed, and the program is killed with the
	// processes it started, as the Node host kills its programs; upstream interrupts it instead,
	// which gives the tracebacks exitOnInterrupt describes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program with %s: %v", cmd.Path, err)}, nil
	}
	defer h.track(cmd)()
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterUserMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program with %s: %v", cmd.Path, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// Cancel interrupts the programs this host runs, as upstream's host does.
func (h *host) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	h.signalPrograms(syscall.SIGINT)
	return &pbempty.Empty{}, nil
}

// InstallDependencies (`pulumi install`, and `pulumi package add` after Link) creates the
// virtualenv if it does not exist yet and installs requirements.txt into it with pip, streaming
// pip's output to the engine. Unlike upstream it leaves pip, setuptools and wheel as they are: the
// virtualenv may be a shared one (scripts/python-venv.sh), and pip needs no upgrade to install a
// requirements file.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	ctx := server.Context()
	tc, opts, err := resolveToolchain(req.GetInfo(), req.GetIsPlugin())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	venv, err := tc.VirtualEnvPath(ctx)
	if err != nil {
		return err
	}
	if venv != "" && !toolchain.IsVirtualEnv(venv) {
		fmt.Fprintf(stdout, "Creating virtual environment %s...\n", venv)
		cmd, err := toolchain.Command(ctx, "-m", "venv", venv)
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("creating the virtual environment %s with %s: %w", venv, cmd.Path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(opts.ProgramDir, "requirements.txt")); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "No requirements.txt in %s: nothing to install\n", opts.ProgramDir)
		return closer.Close()
	}
	fmt.Fprintf(stdout, "Installing dependencies from requirements.txt...\n")
	cmd, err := tc.ModuleCommand(ctx, "pip", "install", "--disable-pip-version-check", "--no-input", "-r", "requirements.txt")
	if err != nil {
		return err
	}
	cmd.Dir = opts.ProgramDir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("installing requirements.txt with `%s`: %w", strings.Join(cmd.Args, " "), err)
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n")
	return closer.Close()
}

// pulumiPackagesScript prints, as JSON, every distribution installed in the environment whose
// top-level package ships a pulumi-plugin.json (as every SDK that codegen generates does), with
// its version and that file's content. It finds the package the way upstream's host does (the
// distribution's name with '-' as '_'), in one interpreter start instead of a `pip list` and a
// second script.
const pulumiPackagesScript = `import importlib.metadata, importlib.util, json, os
out = []
for dist in importlib.metadata.distributions():
    name = dist.metadata["Name"]
    if not name or name in ("pulumi-policy", "pulumi-esc-sdk"):
        continue
    try:
        spec = importlib.util.find_spec(name.replace("-", "_"))
    except Exception:
        continue
    for loc in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(str(loc), "pulumi-plugin.json")
        if os.path.isfile(path):
            with open(path) as f:
                out.append({"name": name, "version": dist.version, "plugin": json.load(f)})
            break
print(json.dumps(out))
`

// requiredPackages lists the Pulumi packages installed in the program's Python environment, as
// upstream's GetRequiredPackages does for packages with a pulumi-plugin.json (upstream also
// guesses plugins for `pulumi-*` distributions without one, SDKs older than this project).
func requiredPackages(ctx context.Context, info *pulumirpc.ProgramInfo) ([]*pulumirpc.PackageDependency, error) {
	tc, _, err := resolveToolchain(info, false)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", pulumiPackagesScript)
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return nil, fmt.Errorf("listing the Pulumi packages installed for %s with %s: %w: %s",
				info.GetProgramDirectory(), cmd.Path, err, strings.TrimSpace(string(exitErr.Stderr)))
		}
		return nil, fmt.Errorf("listing the Pulumi packages installed for %s with %s: %w", info.GetProgramDirectory(), cmd.Path, err)
	}
	var installed []struct {
		Name    string                  `json:"name"`
		Version string                  `json:"version"`
		Plugin  plugin.PulumiPluginJSON `json:"plugin"`
	}
	if err := json.Unmarshal(out, &installed); err != nil {
		return nil, fmt.Errorf("reading the list of installed Pulumi packages: %w", err)
	}
	packages := []*pulumirpc.PackageDependency{}
	for _, p := range installed {
		if !p.Plugin.Resource {
			continue // the package says it has no plugin
		}
		name, v := p.Plugin.Name, p.Plugin.Version
		if name == "" {
			name = strings.TrimPrefix(p.Name, "pulumi-")
		}
		if v == "" {
			// Without a version in pulumi-plugin.json, upstream derives it from the package's
			// version; a plain N.N.N (what codegen writes) is taken, anything else skipped.
			if _, err := semver.Parse(p.Version); err != nil {
				continue
			}
			v = p.Version
		}
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		dep := &pulumirpc.PackageDependency{Name: name, Version: v, Kind: "resource", Server: p.Plugin.Server}
		if param := p.Plugin.Parameterization; param != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: param.Name, Version: param.Version, Value: param.Value}
		}
		packages = append(packages, dep)
	}
	return packages, nil
}

// GetRequiredPackages reports the Pulumi packages installed for the program (see requiredPackages).
func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	packages, err := requiredPackages(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

// GetRequiredPlugins reports the same packages as plugins, for engines that ask the older way.
func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	packages, err := requiredPackages(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(packages))
	for _, p := range packages {
		if p.GetParameterization() != nil {
			continue // a parameterized package is no plugin of its own
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// About names the interpreter that runs the program, its version and pip's.
func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	info := req.GetInfo()
	if info == nil {
		info = &pulumirpc.ProgramInfo{}
	}
	tc, _, err := resolveToolchain(info, false)
	if err != nil {
		return nil, err
	}
	about, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: about.PythonExecutable,
		Version:    about.PythonVersion.String(),
		Metadata:   map[string]string{"toolchain": "pip", "toolchainVersion": about.ToolchainVersion.String()},
	}, nil
}

// GetProgramDependencies lists the distributions installed for the program (`pulumi about`).
func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, _, err := resolveToolchain(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	deps, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("failed to get python dependencies: %w", err)
	}
	out := make([]*pulumirpc.DependencyInfo, len(deps))
	for i, d := range deps {
		out[i] = &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: out}, nil
}

// GeneratePackage writes a Python SDK for a schema into req.Directory, as upstream's host does.
func (h *host) GeneratePackage(_ context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("reading the package schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, schema.NewCachedLoader(loader), schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
	}
	files, err := codegen.GeneratePackage("pulumi-language-python", pkg, req.GetExtraFiles(), schema.NewCachedLoader(loader))
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		path := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("could not create output directory %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("could not write output file %s: %w", path, err)
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
}

// Link adds generated SDKs to the program's requirements.txt as upstream's host does with pip: a
// line with the SDK's directory (relative to the project) replaces any line naming that package.
// `pulumi package add` then calls InstallDependencies, which installs it.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	tc, opts, err := resolveToolchain(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(opts.ProgramDir, "requirements.txt")); err != nil {
		return nil, fmt.Errorf("pulumi-secgroups' Python language host links packages into requirements.txt, and %s has none: %w",
			opts.ProgramDir, err)
	}
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)

	packages := map[string]string{} // Python distribution name -> path
	var imports strings.Builder
	for _, dep := range req.GetPackages() {
		p := dep.GetPackage()
		if p.GetName() == "pulumi" {
			packages["pulumi"] = dep.GetPath()
			continue
		}
		desc := &schema.PackageDescriptor{Name: p.GetName(), DownloadURL: p.GetServer()}
		if v, err := semver.ParseTolerant(p.GetVersion()); err == nil && p.GetVersion() != "" {
			desc.Version = &v
		}
		if param := p.GetParameterization(); param != nil {
			desc.Parameterization = &schema.ParameterizationDescriptor{Name: param.GetName(), Value: param.GetValue()}
			if v, err := semver.ParseTolerant(param.GetVersion()); err == nil {
				desc.Parameterization.Version = v
			}
		}
		ref, err := schema.LoadPackageReferenceV2(ctx, cached, desc)
		if err != nil {
			return nil, err
		}
		def, err := ref.Definition()
		if err != nil {
			return nil, err
		}
		if err := def.ImportLanguages(map[string]schema.Language{"python": codegen.Importer}); err != nil {
			return nil, err
		}
		importName := strings.ReplaceAll(ref.Name(), "-", "_")
		packageName := codegen.PyPack(ref.Namespace(), ref.Name())
		if info, ok := def.Language["python"].(codegen.PackageInfo); ok && info.PackageName != "" {
			importName, packageName = info.PackageName, info.PackageName
		}
		packages[packageName] = dep.GetPath()
		fmt.Fprintf(&imports, "  import %s as %s\n", packageName, importName)
	}
	if err := tc.LinkPackages(ctx, packages); err != nil {
		return nil, fmt.Errorf("linking packages: %w", err)
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your Python code with:\n\n" + imports.String(),
	}, nil
}

// RunPlugin is not implemented: this project's plugins are Node programs.
func (h *host) RunPlugin(*pulumirpc.RunPluginRequest, pulumirpc.LanguageRuntime_RunPluginServer) error {
	return status.Error(codes.Unimplemented, "pulumi-secgroups' Python language host runs programs only, not Python plugins or policy packs")
}
