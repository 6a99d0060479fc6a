package forward

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
)

// The endpoints all passed --validate before, with or without a sink.
func TestValidateEndpointSyntax(t *testing.T) {
	for _, tc := range []struct {
		protocol, endpoint, want string
	}{
		{"grpc", "otlp.nr-data.net", "has no port"},
		{"grpc", "otlp.nr-data.net:abc", `port "abc" is not a number`},
		{"grpc", ":70000", "has no host"},
		{"grpc", "nr:70000", "port 70000 is outside 1-65535"},
		{"grpc", "http//nr:abc", `host "http//nr" is not a host name`},
		{"grpc", "http//nr:4317", "is not a host name"},
		{"http", "http//nr:abc", "must be an http(s) URL"},
		{"http", "https://otlp.nr-data.net:70000", "port 70000 is outside"},
		{"http", "https://:4318", "has no host"},
		{"http", "otlp.nr-data.net:4318", "must be an http(s) URL"},
		{"grcp", "otlp.nr-data.net:4317", `must be grpc or http, got "grcp" (did you mean "grpc"?)`},
	} {
		for _, sink := range []string{"", filepath.Join(t.TempDir(), "sink.jsonl")} {
			c := DefaultConfig()
			c.Protocol, c.Endpoint, c.Sink.File = tc.protocol, tc.endpoint, sink
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %q (sink %q): got %v, want %q", tc.protocol, tc.endpoint, sink, err, tc.want)
			}
		}
	}
	for _, ok := range []string{"otlp.nr-data.net:4317", "127.0.0.1:4317", "[::1]:4317", "gateway-0.gw.dbintel.svc:4317"} {
		c := DefaultConfig()
		c.Endpoint = ok
		if err := c.Validate(); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func TestValidateChecksPathsAreWritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, sink, queue string
		wantPaths         []string
	}{
		{"both fine, queue created later", filepath.Join(dir, "sink.jsonl"), filepath.Join(dir, "q", "deeper"), nil},
		{"queue dir is a file", "", file, []string{"queue.dir"}},
		{"sink under a file", filepath.Join(file, "sink.jsonl"), "", []string{"sink.file"}},
		{"sink is a directory", dir, "", []string{"sink.file"}},
		{"both wrong at once", dir, file, []string{"sink.file", "queue.dir"}},
	} {
		c := DefaultConfig()
		c.Sink.File, c.Queue.Dir = tc.sink, tc.queue
		err := c.Validate()
		var p config.Problems
		errors.As(err, &p)
		var got []string
		for _, q := range p {
			got = append(got, q.Path)
		}
		if strings.Join(got, ",") != strings.Join(tc.wantPaths, ",") {
			t.Errorf("%s: problems at %v, want %v (%v)", tc.name, got, tc.wantPaths, err)
		}
	}
	if os.Geteuid() != 0 { // root writes anywhere but on a read-only mount
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		c := DefaultConfig()
		c.Queue.Dir = filepath.Join(ro, "queue")
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("queue under a read-only directory: %v", err)
		}
	}
}
