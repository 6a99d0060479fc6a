// Package cli holds the command-line contract both binaries share:
// --config, --validate, --version and --shutdown-timeout.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"go.yaml.in/yaml/v3"
)

// Flags are the common flags after parsing.
type Flags struct {
	ConfigPath      string
	ShutdownTimeout time.Duration
}

// Start parses args into fs (which may carry the binary's own flags), then
// handles --version and --validate and loads the config into cfg (already
// holding the defaults). When done is true the binary exits with code.
func Start(fs *flag.FlagSet, version string, shutdownDefault time.Duration, args []string, stdout, stderr io.Writer,
	cfg config.Validator) (f Flags, code int, done bool) {
	fs.SetOutput(stderr)
	fs.StringVar(&f.ConfigPath, "config", "", "YAML config file (empty: defaults)")
	validate := fs.Bool("validate", false, "check the config, print the effective config (secrets redacted) or its problems, and exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.DurationVar(&f.ShutdownTimeout, "shutdown-timeout", shutdownDefault, "how long a graceful stop may take")
	// Usage goes to stdout when asked for (exit 0), to stderr after a
	// mistake (exit 2).
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, stdout)
			return f, 0, true
		}
		usage(fs, stderr)
		return f, 2, true
	}
	if *showVersion {
		fmt.Fprintln(stdout, "dbintel", fs.Name(), version)
		return f, 0, true
	}
	if err := config.LoadFile(f.ConfigPath, cfg); err != nil {
		fmt.Fprintf(stderr, "invalid configuration:\n%v\n", err)
		return f, 1, true
	}
	if *validate {
		out, _ := yaml.Marshal(cfg)
		fmt.Fprintf(stdout, "configuration is valid:\n%s", out)
		return f, 0, true
	}
	return f, 0, false
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags]\n", fs.Name())
	fs.SetOutput(w)
	fs.PrintDefaults()
}
