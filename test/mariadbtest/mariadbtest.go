// Package mariadbtest starts a throwaway MariaDB server for tests: a real
// mariadbd in a temp datadir on a free loopback port, without grant tables
// (any user, no password) and without durability, so it starts in a couple
// of seconds. It is deliberately minimal: Start, DSN, DB, Stop.
package mariadbtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the driver the DSN is for

	"github.com/dbintel/dbintel/test/tlscerts"
)

// Server is one running mariadbd.
type Server struct {
	t      testing.TB
	dir    string
	port   int
	server string
	args   []string
	cmd    *exec.Cmd
	done   chan error
	// started: the server has answered once; its port is then fixed.
	started bool
}

// Option adds server flags.
type Option func(*[]string)

// WithArgs adds raw mariadbd flags (e.g. "--max-connections=20").
func WithArgs(args ...string) Option {
	return func(a *[]string) { *a = append(*a, args...) }
}

// WithPerformanceSchema turns performance_schema on with the consumers the
// scraper reads (statement digests, current and recent statements, current
// waits) and the statement and wait instruments.
func WithPerformanceSchema() Option {
	return WithArgs("--performance-schema=ON",
		"--performance-schema-consumer-events-statements-current=ON",
		"--performance-schema-consumer-events-statements-history=ON",
		"--performance-schema-consumer-events-waits-current=ON",
		"--performance-schema-consumer-statements-digest=ON",
		"--performance-schema-instrument=statement/%=ON",
		"--performance-schema-instrument=wait/%=ON")
}

func findBinaries() (server, installDB string) {
	server, _ = exec.LookPath("mariadbd")
	if server == "" {
		if _, err := os.Stat("/usr/sbin/mariadbd"); err == nil {
			server = "/usr/sbin/mariadbd"
		}
	}
	installDB, _ = exec.LookPath("mariadb-install-db")
	return server, installDB
}

// Start initialises a datadir and starts mariadbd; t.Cleanup stops it and
// removes its files. Without MariaDB binaries the test is skipped, unless
// DBINTEL_REQUIRE_DB is set (CI), where it fails.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	server, installDB := findBinaries()
	if server == "" || installDB == "" {
		if os.Getenv("DBINTEL_REQUIRE_DB") != "" {
			t.Fatal("mariadbtest: mariadbd or mariadb-install-db not found and DBINTEL_REQUIRE_DB is set; install mariadb-server")
		}
		t.Skip("mariadbtest: mariadbd or mariadb-install-db not found; install mariadb-server or set DBINTEL_REQUIRE_DB=1 to make this a failure")
	}
	s := &Server{t: t, dir: t.TempDir(), port: freePort(t), server: server}
	data := filepath.Join(s.dir, "data")
	// Each server has its own tmpdir: bootstraps running side by side in
	// the shared /tmp once failed on each other's temporary tables.
	tmp := filepath.Join(s.dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	// --no-defaults everywhere: the system's /etc/mysql must not leak in.
	install := exec.Command(installDB, "--no-defaults", "--datadir="+data, "--user="+currentUser(),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve", "--tmpdir="+tmp)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadbtest: mariadb-install-db: %v\n%s", err, out)
	}
	s.args = []string{"--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp, "--user=" + currentUser(),
		"--port=" + fmt.Sprint(s.port), "--bind-address=127.0.0.1", "--socket=" + filepath.Join(s.dir, "sock"),
		"--pid-file=" + filepath.Join(s.dir, "pid"), "--log-error=" + filepath.Join(s.dir, "error.log"),
		"--skip-grant-tables", "--skip-name-resolve", "--skip-log-bin",
		"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M",
		"--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0"}
	for _, o := range opts {
		o(&s.args)
	}
	t.Cleanup(s.Stop)
	s.launch()
	db := s.DB(t, "")
	if _, err := db.Exec("CREATE DATABASE IF NOT EXISTS test"); err != nil {
		t.Fatalf("mariadbtest: create database: %v", err)
	}
	return s
}

// launch starts mariadbd with s.args and waits until it answers. On the
// first start a port taken between freePort and the bind (test packages run
// in parallel) is replaced by a new one; a restart keeps its port.
func (s *Server) launch() {
	s.t.Helper()
	for attempt := 1; ; attempt++ {
		s.done = make(chan error, 1)
		s.cmd = exec.Command(s.server, s.args...)
		if err := s.cmd.Start(); err != nil {
			s.t.Fatalf("mariadbtest: start mariadbd: %v", err)
		}
		go func() { s.done <- s.cmd.Wait() }()
		exitErr := s.waitReady()
		if exitErr == nil {
			s.started = true
			return
		}
		logFile := filepath.Join(s.dir, "error.log")
		log, _ := os.ReadFile(logFile)
		if !s.started && attempt < 3 && bytes.Contains(log, []byte("Address already in use")) {
			s.setPort(freePort(s.t))
			_ = os.Remove(logFile)
			continue
		}
		s.t.Fatalf("mariadbtest: mariadbd exited: %v\n%s", exitErr, log)
	}
}

func (s *Server) setPort(port int) {
	for i, a := range s.args {
		if strings.HasPrefix(a, "--port=") {
			s.args[i] = "--port=" + fmt.Sprint(port)
		}
	}
	s.port = port
}

// Restart starts a stopped server again on the same port and datadir.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.launch()
}

// Port is the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// waitReady returns nil once the server answers, or the exit error of a
// server that stopped first.
func (s *Server) waitReady() error {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		db, err := sql.Open("mysql", s.DSNFor(""))
		if err == nil {
			err = db.PingContext(context.Background())
			db.Close()
		}
		if err == nil {
			return nil
		}
		select {
		case exitErr := <-s.done:
			s.done <- exitErr
			if exitErr == nil {
				exitErr = errors.New("exit status 0")
			}
			return exitErr
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
			s.t.Fatalf("mariadbtest: not ready after 60s: %v\n%s", err, log)
		}
	}
}

// DSN is a go-sql-driver/mysql DSN for database "test" over TCP, with
// multi-statement scripts allowed.
func (s *Server) DSN() string { return s.DSNFor("test") }

// DSNFor is DSN for another database ("" for none).
func (s *Server) DSNFor(db string) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s?multiStatements=true", s.port, db)
}

// DB opens a pool on DSNFor(db), closed at the end of the test.
func (s *Server) DB(t testing.TB, db string) *sql.DB {
	t.Helper()
	pool, err := sql.Open("mysql", s.DSNFor(db))
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	t.Cleanup(func() { pool.Close() })
	return pool
}

// Stop terminates mariadbd and waits for it; calling it again is a no-op.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case err := <-s.done: // already exited
		s.done <- err
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		s.done <- <-s.done
	}
}

func currentUser() string {
	if os.Geteuid() == 0 {
		return "root" // mariadbd refuses root unless told so explicitly
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return fmt.Sprint(os.Geteuid())
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mariadbtest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WithTLS serves TLS with files (tlscerts.Write): the server certificate
// and key, and the CA that client certificates are checked against.
// Plaintext stays allowed (the helpers connect without TLS); the server
// runs without grant tables, so it cannot require a client certificate.
func WithTLS(files tlscerts.Files) Option {
	return WithArgs("--ssl-cert="+files.ServerCert, "--ssl-key="+files.ServerKey, "--ssl-ca="+files.CA)
}
