package otlpserver

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// errInternal answers a request whose processing panicked: INTERNAL / 500.
// The sender learns nothing of the panic; the log and a counter do.
var errInternal = errors.New("internal error while processing the request")

// stagePackage is where pipeline stages live; a panicking frame under it
// names the stage.
const stagePackage = "github.com/dbintel/dbintel/pkg/pipeline/"

// panicked logs and counts a recovered panic and returns the error to
// answer with. Call it from the deferred function that recovered, so the
// panicking frames are still on the stack.
//
// The panic value is logged only when it is a runtime error (nil map,
// index out of range): other values, such as the label-value panics of
// Prometheus, may quote input data, which is never logged. The frame that
// panicked and the stage it belongs to are enough to find the bug.
func (s *Server) panicked(transport, signal string, v any) error {
	stage, frame := panicSite()
	if st, ok := v.(interface{ Stage() string }); ok {
		stage = st.Stage()
	}
	attrs := []any{"transport", transport, "signal", signal, "stage", stage, "at", frame, "panic_type", fmt.Sprintf("%T", v)}
	if re, ok := v.(runtime.Error); ok {
		attrs = append(attrs, "panic", re.Error())
	}
	s.log.Error("recovered a panic while processing a request; the request was refused and its data lost unless the sender retries", attrs...)
	s.m.panics.WithLabelValues(transport, signal).Inc()
	return errInternal
}

// panicSite finds the innermost frame below the panic that is dbintel code,
// and the pipeline stage (sub-package of pkg/pipeline) on the stack, if any.
func panicSite() (stage, frame string) {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs) // skip Callers, panicSite, panicked
	frames := runtime.CallersFrames(pcs[:n])
	pastPanic := false
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" {
			pastPanic = true
		} else if pastPanic {
			if frame == "" && !strings.HasPrefix(f.Function, "runtime.") {
				frame = fmt.Sprintf("%s (%s:%d)", f.Function, shortFile(f.File), f.Line)
			}
			if rest, ok := strings.CutPrefix(f.Function, stagePackage); ok && stage == "" {
				pkg, _, _ := strings.Cut(rest, ".")
				stage, _, _ = strings.Cut(pkg, "/")
			}
		}
		if !more {
			break
		}
	}
	if stage == "" {
		stage = "unknown"
	}
	return stage, frame
}

// shortFile keeps the last two path elements: enough to find the file,
// without the build machine's directories.
func shortFile(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return path
	}
	if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
		return path[j+1:]
	}
	return path
}
