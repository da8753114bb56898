// Command pulumi-language-nodejs is pulumi-secgroups' own minimal Node.js language host.
//
// Why it exists: the upstream language host is a separate, untagged Go module that the Go module
// proxy reachable from our build machines refuses to serve (403 at every version), so it cannot be
// built here. This host implements the part of the LanguageRuntime gRPC protocol that `pulumi up`,
// `preview`, `refresh` and `destroy` need for Node.js programs: it runs the program with the
// `@pulumi/pulumi/cmd/run` script that ships in the program's own node_modules, exactly as the
// upstream host does, and reports no extra plugins (programs here use dynamic providers only).
// RunPlugin runs a Node plugin the way the upstream host does: a provider or component package
// (PulumiPlugin.yaml, e.g. this project's plugin/ directory, which YAML and Python programs use)
// with `@pulumi/pulumi/cmd/run-plugin`, a policy pack (PulumiPolicy.yaml) with
// `@pulumi/pulumi/cmd/run-policy-pack` behind the SDK's policy proxy, which hands the pack the
// stack's configuration. Template, program generation, package generation and the like answer
// "unimplemented".
//
// Protocol: the engine starts `pulumi-language-nodejs [flags] ENGINE_ADDRESS`; the host prints the
// port of its gRPC server on stdout and serves until the engine stops it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

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
				h.mu.Lock()
				for cmd := range h.programs {
					if cmd.Process != nil {
						_ = cmd.Process.Kill()
					}
				}
				h.mu.Unlock()
				fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: the engine at %s is gone; exiting\n", h.engineAddress)
				os.Exit(1)
			}
		}()
	})
}

// track records a running program or plugin, for watchEngine to kill; call the result when it ended.
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
	// Flags the engine may pass (-v=9, --logtostderr, --logflow, -root=DIR, --tracing URL) are
	// accepted and, but for tracing, ignored; the last positional argument is the engine address.
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
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
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	h.watchEngine()
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: gRPC server stopped: %v\n", err)
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

// GetRequiredPlugins reports none: dynamic providers need no plugin but the bundled pulumi-nodejs one.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// GetRequiredPackages reports none, for the same reason.
func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies does nothing: the project's bootstrap runs npm itself.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	return nil
}

// About names the node binary the host runs programs with.
func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimSpace(strings.TrimPrefix(string(out), "v"))}, nil
}

// GetProgramDependencies reports none (used only by `pulumi about`).
func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// findRunScript looks for node_modules/@pulumi/pulumi/cmd/run from dir upwards, as Node would.
func findRunScript(dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", "run")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("could not find node_modules/@pulumi/pulumi/cmd/run above %s: "+
		"install the program's dependencies (npm install) first", dir)
}

// runOptions are the `runtime.options` of Pulumi.yaml this host honours, as the upstream host reads them.
type runOptions struct {
	typescript bool
	nodeArgs   []string
	tsconfig   string
}

// parseRunOptions reads typescript (default true), nodeargs (split as a shell would) and tsconfig
// from the options of a program or plugin.
func parseRunOptions(info *pulumirpc.ProgramInfo) (runOptions, error) {
	opts := runOptions{typescript: true}
	fields := info.GetOptions().GetFields()
	if v, ok := fields["typescript"]; ok {
		opts.typescript = v.GetBoolValue()
	}
	if v, ok := fields["nodeargs"]; ok && v.GetStringValue() != "" {
		args, err := shlex.Split(v.GetStringValue())
		if err != nil {
			return opts, fmt.Errorf("runtime option nodeargs %q: %w", v.GetStringValue(), err)
		}
		opts.nodeArgs = args
	}
	if v, ok := fields["tsconfig"]; ok {
		opts.tsconfig = v.GetStringValue()
	}
	return opts, nil
}

// constructConfig is the PULUMI_CONFIG the run script reads: a JSON object, `{}` when the engine
// sends no config (a stack without config: `null` there crashes @pulumi/pulumi's config parsing),
// keys in the `<namespace>:config:<name>` form the upstream host passes (every SDK reads it).
func constructConfig(req *pulumirpc.RunRequest) (string, error) {
	transformed := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", err
		}
		transformed[key.Namespace()+":config:"+key.Name()] = v
	}
	out, err := json.Marshal(transformed)
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

// Run executes the program with @pulumi/pulumi's run script and reports a failure as the engine
// expects. Arguments and environment follow the upstream host: the program runs in its program
// directory (Pulumi.yaml's `main:` may name a subdirectory), with the entry point the engine names.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runPath, err := findRunScript(programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on $PATH"}, nil
	}
	opts, err := parseRunOptions(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append([]string{}, opts.nodeArgs...)
	args = append(args, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	configJSON, err := constructConfig(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration: %v", err)}, nil
	}
	secretJSON, err := constructConfigSecretKeys(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration secret keys: %v", err)}, nil
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+configJSON,
		"PULUMI_CONFIG_SECRET_KEYS="+secretJSON,
	)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = programDir
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = env
	defer h.track(cmd)()
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			// The run script has already printed the program's error; code 32 means "reported, bail".
			if exitErr.ExitCode() == 32 {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program with %s: %v", node, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// locateModule resolves `mod` (e.g. @pulumi/pulumi/cmd/run-plugin) from dir as Node does.
func locateModule(node, mod, dir string) (string, error) {
	script := fmt.Sprintf(`try { console.log(require.resolve(%q)) } catch (e) { console.error(e.code === 'MODULE_NOT_FOUND' ? %q : e.message); process.exit(1) }`,
		mod, "the Pulumi SDK (@pulumi/pulumi) is not installed for "+dir+": run npm install there")
	cmd := exec.Command(node, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", errors.New(strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// RunPlugin runs a Node plugin and streams its output to the engine, as the upstream host does:
// a policy pack (kind analyzer) with run-policy-pack, its arguments first and its directory last,
// in its own directory, behind the SDK's policy proxy (which takes the stack's configuration from
// the engine and passes it to the pack's environment); any other plugin with run-plugin, its
// directory first, in the engine's working directory (the program's).
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("could not find node on $PATH")
	}
	pluginDir := req.GetInfo().GetProgramDirectory()
	opts, err := parseRunOptions(req.GetInfo())
	if err != nil {
		return err
	}
	env := req.GetEnv()
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	mod := "@pulumi/pulumi/cmd/run-plugin"
	if analyzer {
		mod = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runPath, err := locateModule(node, mod, pluginDir)
	if err != nil {
		return err
	}
	args := append([]string{runPath}, opts.nodeArgs...)
	if analyzer {
		args = append(append(args, req.GetArgs()...), pluginDir)
	} else {
		args = append(append(args, pluginDir), req.GetArgs()...)
	}

	var proxy *sdk.PolicyProxy
	if analyzer {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		stack, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			err = fmt.Errorf("could not get the stack's configuration: %w", err)
			proxy.Abort(err)
			return err
		}
		if stack != nil {
			set := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			set("PULUMI_NODEJS_ORGANIZATION", stack.GetOrganization())
			set("PULUMI_NODEJS_PROJECT", stack.GetProject())
			set("PULUMI_NODEJS_STACK", stack.GetStack())
			set("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
			if stack.GetConfig() != nil {
				configJSON, err := json.Marshal(stack.GetConfig())
				if err != nil {
					err = fmt.Errorf("could not marshal the stack's configuration: %w", err)
					proxy.Abort(err)
					return err
				}
				set("PULUMI_CONFIG", string(configJSON))
			}
		}
	}

	cmd := exec.CommandContext(ctx, node, args...)
	if analyzer {
		cmd.Dir = pluginDir
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		err = fmt.Errorf("could not run the plugin with %s: %w", node, err)
		if proxy != nil {
			// The engine waits on the proxy for the pack's client: tell it the pack never came.
			proxy.Abort(err)
		}
		return err
	}
	defer h.track(cmd)()
	if proxy != nil {
		if err := proxy.Attach(ctx, cmd); err != nil {
			return fmt.Errorf("could not attach the policy pack proxy: %w", err)
		}
		return closer.Close()
	}
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("Program exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return fmt.Errorf("could not run the plugin with %s: %w", node, err)
	}
	return closer.Close()
}
