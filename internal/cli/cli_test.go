package cli

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"
)

type noProblems struct{}

func (noProblems) Validate() error { return nil }

func TestHelpExitsZeroOnStdoutAndMistakesTwoOnStderr(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "-help"} {
		var out, errOut bytes.Buffer
		_, code, done := Start(flag.NewFlagSet("scraper", flag.ContinueOnError), "v", time.Second, []string{arg}, &out, &errOut, noProblems{})
		if !done || code != 0 || !strings.Contains(out.String(), "-validate") || errOut.Len() != 0 {
			t.Errorf("%s: done=%v code=%d stdout=%q stderr=%q", arg, done, code, out.String(), errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	_, code, done := Start(flag.NewFlagSet("scraper", flag.ContinueOnError), "v", time.Second, []string{"--nope"}, &out, &errOut, noProblems{})
	if !done || code != 2 || !strings.Contains(errOut.String(), "-nope") || !strings.Contains(errOut.String(), "Usage") || out.Len() != 0 {
		t.Errorf("unknown flag: done=%v code=%d stdout=%q stderr=%q", done, code, out.String(), errOut.String())
	}
}
