package verify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// Verifier is the verification stage. It is safe for concurrent use: it
// keeps no state between batches besides its counters.
type Verifier struct {
	q       QualityConfig
	det     detector
	actions [numTypes]Action
	allow   map[string]struct{}
	sqlKeys map[string]struct{}
	sqlOn   bool
	hash    *hasher
	m       *metrics
	now     func() time.Time // injectable for tests of the time window
	bufs    sync.Pool        // *[]finding, so a string with findings does not allocate the slice
}

// New builds a verifier from a validated config. reg may be nil (tests).
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("verify: config: %w", err)
	}
	v := &Verifier{q: cfg.Quality, sqlOn: cfg.SQL.Obfuscate, now: time.Now,
		allow: set(cfg.PII.AllowKeys), sqlKeys: set(cfg.SQL.Attributes)}
	v.bufs.New = func() any { b := make([]finding, 0, 8); return &b }
	var on []string
	for _, t := range cfg.PII.Types.list() {
		v.actions[t.typ] = t.action
		v.det.on[t.typ] = t.action != ActionOff
		if t.action != ActionOff {
			on = append(on, t.name+"="+string(t.action))
		}
		if t.action == ActionHash && v.hash == nil {
			v.hash = newHasher([]byte(cfg.PII.HashKey.Value()))
		}
	}
	m, err := newMetrics(reg, v.actions)
	if err != nil {
		return nil, fmt.Errorf("verify: metrics: %w", err)
	}
	v.m = m
	if log != nil {
		log.Info("verification on", "pii", strings.Join(on, ","), "sql_obfuscation", cfg.SQL.Obfuscate)
	}
	return v, nil
}

func set(keys []string) map[string]struct{} {
	m := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		m[k] = struct{}{}
	}
	return m
}

// Process verifies b in place and returns it without the items that must
// not leave: records with a value of a "drop" type, NaN points, items out of
// the time window. It never adds an item.
func (v *Verifier) Process(_ context.Context, b pipeline.Batch) (pipeline.Batch, error) {
	w := v.window()
	v.metrics(b.Metrics, w)
	v.logs(b.Logs, w)
	v.traces(b.Traces, w)
	return b, nil
}

// redact replaces every finding in s by its marker. drop reports that a
// finding's type is configured to drop the item; s is then returned as is.
// A marker changes its neighbours' context ("4111…+4420…": the '+' number
// only stands alone once the card before it is a marker), so the result is
// scanned again until nothing is found: that is what makes a second
// verification a no-op.
func (v *Verifier) redact(s, key string) (out string, changed, drop bool) {
	out = s
	for range 4 {
		next, found, drop := v.redactOnce(out, key)
		if drop {
			return s, false, true
		}
		if !found {
			break
		}
		out, changed = next, true
	}
	return out, changed, false
}

func (v *Verifier) redactOnce(s, key string) (out string, found, drop bool) {
	bp := v.bufs.Get().(*[]finding)
	defer v.bufs.Put(bp)
	f := v.det.scan(s, key, (*bp)[:0])
	*bp = f[:0]
	if len(f) == 0 {
		return s, false, false
	}
	for _, x := range f {
		v.m.pii[x.typ].Inc()
		drop = drop || v.actions[x.typ] == ActionDrop
	}
	if drop {
		return s, true, true
	}
	var b strings.Builder
	b.Grow(len(s) + 16*len(f))
	last := 0
	for _, x := range f {
		b.WriteString(s[last:x.start])
		name := typeNames[x.typ]
		if v.actions[x.typ] == ActionHash {
			b.WriteString(sqlmask.HashPrefix)
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(v.hash.sum(x.typ, s[x.start:x.end]))
		} else {
			b.WriteString(sqlmask.RedactPrefix)
			b.WriteString(name)
		}
		b.WriteByte(']')
		last = x.end
	}
	b.WriteString(s[last:])
	return b.String(), true, false
}

// cleanString is the whole treatment of one string: SQL obfuscation for SQL
// keys, PII, and (limit > 0) the length limit. A cut can expose a new value
// (17 digits cut to a valid 16-digit card), so a cut string is scanned again.
func (v *Verifier) cleanString(s, key string, isSQL bool, limit int, d dbms) (out string, changed, drop bool) {
	out = s
	if isSQL && v.sqlOn {
		// A marker written into SQL can change how the rest lexes (a PEM
		// block that swallowed a quote): mask and scan until stable.
		for range 3 {
			masked := sqlmask.Mask(out, d)
			next, found, drop := v.redact(masked, key)
			if drop {
				return s, false, true
			}
			out = next
			if !found {
				break
			}
		}
	} else {
		if logShaped(out, key) {
			out = maskLogText(out, d)
		}
		if out, _, drop = v.redact(out, key); drop {
			return s, false, true
		}
	}
	if limit > 0 && len(out) > limit {
		v.m.fix(fixValueTooLong)
		for range 3 {
			out, _, drop = v.redact(truncate(out, limit), key)
			if drop {
				return s, false, true
			}
			if len(out) <= limit {
				break
			}
		}
		out = truncate(out, limit)
	}
	return out, len(out) != len(s) || out != s, false
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
