package telemetry

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// A joined error used to print as one quoted value with literal \n.
func TestTextLogKeepsAJoinedErrorOnOneLine(t *testing.T) {
	var buf bytes.Buffer
	log := Config{LogLevel: "info", LogFormat: "text"}.Logger(&buf)
	log.Error("scraper failed", "err", errors.Join(errors.New("postgres: connect refused"), errors.New("mysql: access denied")), "note", "x\ny")
	out := buf.String()
	if strings.Count(out, "\n") != 1 || strings.Contains(out, `\n`) {
		t.Fatalf("want one line without escaped newlines, got %q", out)
	}
	if !strings.Contains(out, "postgres: connect refused; mysql: access denied") || !strings.Contains(out, "x; y") {
		t.Fatalf("parts missing: %q", out)
	}
}
