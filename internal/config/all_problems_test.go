package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// One file with every kind of mistake: each is reported, in file order,
// with its path and its line, so a user fixes them in one go.
func TestEveryProblemAtOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString("# a long header, so lines past 40 are checked too\n")
	for range 40 {
		b.WriteString("#\n")
	}
	b.WriteString(`name: {a: 1}
forward:
  endpont: x          # line 44
  timeout: ten        # line 45
  key: ${env:UNSET}   # line 46
  insecure: true
  endpoint: ""        # line 48
`)
	cfg := outer{Forward: inner{Endpoint: "x", Timeout: time.Second}}
	err := Parse([]byte(b.String()), env(nil), &cfg)
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("got %v", err)
	}
	want := []Problem{
		{Path: "name", Line: 42},
		{Path: "forward.endpont", Line: 44},
		{Path: "forward.timeout", Line: 45},
		{Path: "forward.key", Line: 46},
		{Path: "forward.endpoint", Line: 48},
	}
	if len(p) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(p), len(want), err)
	}
	for i, w := range want {
		if p[i].Path != w.Path || p[i].Line != w.Line {
			t.Errorf("problem %d = %s at line %d, want %s at line %d", i, p[i].Path, p[i].Line, w.Path, w.Line)
		}
	}
	if !strings.Contains(err.Error(), `did you mean "endpoint"`) {
		t.Errorf("no suggestion:\n%v", err)
	}
}

// A problem about a value the file does not set (a default) has no line.
func TestProblemOnADefaultHasNoLine(t *testing.T) {
	cfg := outer{Forward: inner{Timeout: time.Second}}
	err := Parse([]byte("name: x\n"), env(nil), &cfg)
	if err == nil || err.Error() != "forward.endpoint: must be set" {
		t.Fatalf("got %v", err)
	}
}

func TestEnvDefaultOnEmptyOrOnlyWhenUnset(t *testing.T) {
	lookup := env(map[string]string{"EMPTY": "", "SET": "v"})
	for in, want := range map[string]string{
		"${env:EMPTY:-d}":  "d", // shell ":-": empty takes the default
		"${env:EMPTY-d}":   "",  // shell "-": empty is a value (switches off)
		"${env:UNSET-d}":   "d",
		"${env:UNSET:-d}":  "d",
		"${env:SET-d}":     "v",
		"${env:SET:-d}":    "v",
		"${env:EMPTY}":     "",
		"a${env:UNSET-}b":  "ab",
		"${env:X-a:b-c}/x": "a:b-c/x",
	} {
		got, err := ExpandEnv(in, lookup)
		if err != nil || got != want {
			t.Errorf("ExpandEnv(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ExpandEnv("${env:UNSET}", lookup); err == nil {
		t.Error("an unset variable without a default must be an error")
	}
}

// An empty value replaces a default: that is how X= switches a listener off.
func TestEmptyExpansionIsAnEmptyString(t *testing.T) {
	cfg := outer{Name: "default", Forward: inner{Endpoint: "x", Timeout: time.Second}}
	if err := Parse([]byte("name: ${env:E-on}\n"), env(map[string]string{"E": ""}), &cfg); err != nil || cfg.Name != "" {
		t.Fatalf("name = %q, %v; want empty", cfg.Name, err)
	}
}

// In a flow mapping every key shares a line: the unknown one is still named
// once, at its own path.
func TestUnknownKeyInAFlowMapping(t *testing.T) {
	cfg := outer{Forward: inner{Endpoint: "x", Timeout: time.Second}}
	err := Parse([]byte("forward: {timeout: 1s, endpont: a, insecure: true}\n"), env(nil), &cfg)
	var p Problems
	if !errors.As(err, &p) || len(p) != 1 || p[0].Path != "forward.endpont" || p[0].Line != 1 {
		t.Fatalf("got %v", err)
	}
}
