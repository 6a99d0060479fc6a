package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// collectorModules is the pinned module set of the comparison Collector:
// one collector release (v0.165.0 pairs with v1.71.0) and the contrib
// release made against it.
var collectorModules = []string{
	"go.opentelemetry.io/collector/otelcol@v0.165.0",
	"go.opentelemetry.io/collector/receiver/otlpreceiver@v0.165.0",
	"go.opentelemetry.io/collector/exporter/otlpexporter@v0.165.0",
	"go.opentelemetry.io/collector/processor/batchprocessor@v0.165.0",
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor@v0.165.0",
	"go.opentelemetry.io/collector/confmap/provider/fileprovider@v1.71.0",
	"go.opentelemetry.io/collector/confmap/provider/envprovider@v1.71.0",
	"go.opentelemetry.io/collector/service@v0.165.0",
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor@v0.165.1",
}

// buildCollector builds testdata/otelcol in a module of its own under the
// temporary directory (never in dbintel's go.mod) and returns the binary.
// The directory is named by a hash of the source and the module set, so a
// build already there is reused; the first takes minutes on 2 cores.
func buildCollector(root string, timeout time.Duration) (string, error) {
	src, err := os.ReadFile(filepath.Join(root, "test", "load", "testdata", "otelcol", "main.go"))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append(src, strings.Join(collectorModules, " ")...))
	dir := filepath.Join(os.TempDir(), "dbintel-otelcol-"+hex.EncodeToString(sum[:6]))
	bin := filepath.Join(dir, "otelcol-load")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module otelcolload\n\ngo 1.26\n"), 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	steps := [][]string{
		append([]string{"get"}, collectorModules...),
		{"mod", "tidy"},
		{"build", "-o", bin + ".tmp", "."},
	}
	for _, args := range steps {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go %s: %v\n%s", args[0], err, tail(out, 2000))
		}
	}
	return bin, os.Rename(bin+".tmp", bin)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
