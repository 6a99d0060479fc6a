package verify

import (
	"fmt"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/contract"
)

// Action is what the verifier does with a recognised value.
type Action string

// Actions a PII type can be configured with.
const (
	ActionRedact Action = "redact" // replace with [REDACTED:<type>]
	ActionHash   Action = "hash"   // replace with [HASHED:<type>:<hmac>], stable for joins
	ActionDrop   Action = "drop"   // remove the whole record, point or span
	ActionOff    Action = "off"    // do not look for this type
)

// Config is the `verify:` block of the gateway (and scraper) configuration.
type Config struct {
	PII     PIIConfig     `yaml:"pii"`
	SQL     SQLConfig     `yaml:"sql"`
	Quality QualityConfig `yaml:"quality"`
}

// PIIConfig selects an action per recognised type.
type PIIConfig struct {
	Types PIITypes `yaml:"types"`
	// HashKey keys the HMAC of the hash action; it must come from
	// ${env:...} so it never sits in a file next to the hashed data.
	HashKey config.Secret `yaml:"hash_key"`
	// AllowKeys are attribute keys whose values are never scanned
	// (identifiers that look like numbers but are not personal data).
	AllowKeys []string `yaml:"allow_keys"`
}

// PIITypes holds one action per recogniser.
type PIITypes struct {
	Card   Action `yaml:"card"`
	SSN    Action `yaml:"ssn"`
	Email  Action `yaml:"email"`
	Phone  Action `yaml:"phone"`
	IBAN   Action `yaml:"iban"`
	IP     Action `yaml:"ip"`
	Secret Action `yaml:"secret"`
}

// SQLConfig controls literal obfuscation of SQL-bearing attributes.
type SQLConfig struct {
	Obfuscate  bool     `yaml:"obfuscate"`
	Attributes []string `yaml:"attributes"`
}

// QualityConfig holds New Relic's ingest limits and the time window.
type QualityConfig struct {
	DropNaN           bool          `yaml:"drop_nan"`
	DropNegativeDelta bool          `yaml:"drop_negative_delta"`
	MaxNameLen        int           `yaml:"max_name_len"`
	MaxValueLen       int           `yaml:"max_value_len"`
	MaxArrayLen       int           `yaml:"max_array_len"`
	MaxPointAttrs     int           `yaml:"max_point_attrs"`
	MaxLogAttrs       int           `yaml:"max_log_attrs"`
	PastWindow        time.Duration `yaml:"past_window"`
	FutureWindow      time.Duration `yaml:"future_window"`
	// LogTimeFix is what happens to a log record outside the window:
	// "now" sets its timestamp to the time of verification, "drop" removes it.
	LogTimeFix string `yaml:"log_time_fix"`
}

// DefaultConfig protects without configuration: every PII type is redacted
// except IP addresses (server.address and peer addresses identify
// infrastructure, not people), and SQL texts are obfuscated.
func DefaultConfig() Config {
	return Config{
		PII: PIIConfig{
			Types: PIITypes{Card: ActionRedact, SSN: ActionRedact, Email: ActionRedact, Phone: ActionRedact,
				IBAN: ActionRedact, IP: ActionOff, Secret: ActionRedact},
			AllowKeys: []string{"db.query.id", contract.AttrPlanHash, "trace_id", "span_id", "trace.id", "span.id",
				"parent.id", contract.AttrServiceInstanceID,
				// statement ids of the receivers' events: numbers that may pass a card check
				contract.PGQueryID, contract.PGSampleQueryID, contract.AttrQueryTextHash,
				contract.MySQLDigest, contract.MySQLCurrentDigest},
		},
		SQL: SQLConfig{Obfuscate: true, Attributes: []string{contract.AttrQueryText, "db.statement"}},
		Quality: QualityConfig{DropNaN: true, DropNegativeDelta: true, MaxNameLen: 255, MaxValueLen: 4095,
			MaxArrayLen: 64, MaxPointAttrs: 100, MaxLogAttrs: 255,
			PastWindow: 48 * time.Hour, FutureWindow: 24 * time.Hour, LogTimeFix: "now"},
	}
}

// minHashKey keeps the HMAC from being brute-forced over small value spaces
// (an SSN has 10^9 values) with a guessable key.
const minHashKey = 16

// Validate reports every problem with its YAML path.
func (c Config) Validate() error {
	var p config.Problems
	anyHash := false
	for _, t := range c.PII.Types.list() {
		switch t.action {
		case ActionRedact, ActionDrop, ActionOff:
		case ActionHash:
			anyHash = true
		default:
			p.Add("pii.types."+t.name, "unknown action %q (want redact, hash, drop or off)", t.action)
		}
	}
	if anyHash && len(c.PII.HashKey.Value()) < minHashKey {
		p.Add("pii.hash_key", "a hash action needs a key of at least %d bytes (set it with ${env:NAME})", minHashKey)
	}
	for i, k := range c.PII.AllowKeys {
		if k == "" {
			p.Add(fmt.Sprintf("pii.allow_keys[%d]", i), "empty key")
		}
	}
	for i, k := range c.SQL.Attributes {
		if k == "" {
			p.Add(fmt.Sprintf("sql.attributes[%d]", i), "empty key")
		}
	}
	q := c.Quality
	for _, f := range []struct {
		name string
		v    int
	}{{"max_name_len", q.MaxNameLen}, {"max_value_len", q.MaxValueLen}, {"max_array_len", q.MaxArrayLen},
		{"max_point_attrs", q.MaxPointAttrs}, {"max_log_attrs", q.MaxLogAttrs}} {
		if f.v <= 0 {
			p.Add("quality."+f.name, "must be > 0, got %d", f.v)
		}
	}
	if q.PastWindow <= 0 {
		p.Add("quality.past_window", "must be > 0, got %s", q.PastWindow)
	}
	if q.FutureWindow <= 0 {
		p.Add("quality.future_window", "must be > 0, got %s", q.FutureWindow)
	}
	if q.LogTimeFix != "now" && q.LogTimeFix != "drop" {
		p.Add("quality.log_time_fix", "unknown value %q (want now or drop)", q.LogTimeFix)
	}
	return p.Err()
}

type namedAction struct {
	name   string
	typ    piiType
	action Action
}

// list returns the types in recogniser order, so config and code cannot
// disagree on the set of types.
func (t PIITypes) list() [numTypes]namedAction {
	return [numTypes]namedAction{
		{"secret", typeSecret, t.Secret}, {"card", typeCard, t.Card}, {"iban", typeIBAN, t.IBAN},
		{"ssn", typeSSN, t.SSN}, {"email", typeEmail, t.Email}, {"phone", typePhone, t.Phone}, {"ip", typeIP, t.IP},
	}
}
