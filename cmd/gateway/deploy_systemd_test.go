package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
)

// TestMakeInstallAndSystemdUnits installs with `make install` into a temp
// prefix, checks every path the units name exists there, runs
// `systemd-analyze verify` on the installed units (when present) and loads
// the installed gateway.yaml with the unit's environment.
func TestMakeInstallAndSystemdUnits(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	root := t.TempDir()
	prefix, etc := filepath.Join(root, "usr"), filepath.Join(root, "etc")
	install := exec.Command("make", "-s", "install", "PREFIX="+prefix, "SYSCONFDIR="+etc)
	install.Dir = "../.."
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	units := []string{filepath.Join(etc, "systemd/system/dbintel-gateway.service"), filepath.Join(etc, "systemd/system/dbintel-scraper.service")}
	for _, u := range units {
		d := readUnit(t, u)
		for _, cmd := range append(d["ExecStart"], d["ExecStartPre"]...) {
			f := strings.Fields(cmd)
			if st, err := os.Stat(f[0]); err != nil || st.Mode()&0o111 == 0 {
				t.Errorf("%s: %s is not an installed executable", filepath.Base(u), f[0])
			}
			for i, a := range f {
				if a == "--config" {
					if _, err := os.Stat(f[i+1]); err != nil {
						t.Errorf("%s: config %s not installed", filepath.Base(u), f[i+1])
					}
				}
			}
		}
		for _, key := range []string{"StateDirectory", "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp",
			"CapabilityBoundingSet", "RestrictAddressFamilies", "SystemCallFilter", "DynamicUser"} {
			if len(d[key]) == 0 {
				t.Errorf("%s: no %s=", filepath.Base(u), key)
			}
		}
		if d["ProtectSystem"][0] != "strict" || d["CapabilityBoundingSet"][0] != "" {
			t.Errorf("%s: want ProtectSystem=strict and an empty CapabilityBoundingSet", filepath.Base(u))
		}
	}
	if envFile, err := os.Stat(filepath.Join(etc, "dbintel/gateway.env")); err != nil || envFile.Mode().Perm() != 0o600 {
		t.Errorf("gateway.env (the license key) must be installed 0600: %v", err)
	}

	// The gateway's writable paths are in its StateDirectory, and the
	// installed config loads with them (%S moved under the temp dir).
	d := readUnit(t, units[0])
	state := "%S/" + d["StateDirectory"][0]
	unitEnv := map[string]string{}
	for _, kv := range d["Environment"] {
		k, v, _ := strings.Cut(kv, "=")
		unitEnv[k] = v
	}
	for _, k := range []string{"DBINTEL_QUEUE_DIR", "DBINTEL_SINK_FILE"} {
		if !strings.HasPrefix(unitEnv[k], state+"/") {
			t.Errorf("%s=%q is not under StateDirectory (%s)", k, unitEnv[k], state)
		}
		unitEnv[k] = strings.Replace(unitEnv[k], "%S", filepath.Join(root, "var/lib"), 1)
	}
	if err := os.MkdirAll(filepath.Join(root, "var/lib", d["StateDirectory"][0]), 0o700); err != nil {
		t.Fatal(err)
	}
	yml, err := os.ReadFile(filepath.Join(etc, "dbintel/gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	if err := config.Parse(yml, env(unitEnv), &cfg); err != nil {
		t.Fatalf("installed gateway.yaml with the unit's environment: %v", err)
	}
	if cfg.Forward.Queue.Dir != unitEnv["DBINTEL_QUEUE_DIR"] || cfg.NoKeySinkFile != unitEnv["DBINTEL_SINK_FILE"] {
		t.Errorf("queue %q sink %q: the unit's environment is not what gateway.yaml reads", cfg.Forward.Queue.Dir, cfg.NoKeySinkFile)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian: package systemd)")
	}
	// verify exits 0 on unknown keys and bad values: its output must be empty too.
	out, err := exec.Command(analyze, append([]string{"verify"}, units...)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// readUnit returns each directive's values, in order.
func readUnit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		d[k] = append(d[k], v)
	}
	return d
}
