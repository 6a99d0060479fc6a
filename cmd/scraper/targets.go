package main

import (
	"fmt"
	"log/slog"
	"maps"

	"github.com/prometheus/client_golang/prometheus"

	"go.yaml.in/yaml/v3"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/scrape/mysql"
	"github.com/dbintel/dbintel/pkg/scrape/postgres"
)

// Target is one entry of `targets:`: a database server with its own DSN,
// name, labels and whatever of its kind's settings differ from the shared
// top-level `postgres:` or `mysql:` section.
type Target struct {
	scrape.TargetConfig `yaml:",inline"`
	Postgres            scrape.Section[postgres.Config] `yaml:"postgres"`
	MySQL               scrape.Section[mysql.Config]    `yaml:"mysql"`
}

// server is one database server to scrape, resolved from the config: a
// `targets:` entry over the shared defaults, or the single-server form (a
// dsn in the top-level section itself).
type server struct {
	entry    string // YAML path of its targets entry; "" for the single-server form
	path     string // YAML path of its section, for problems
	name     string // label value of its self-metrics
	labels   map[string]string
	postgres *postgres.Config
	mysql    *mysql.Config
	target   scrape.Target // identity derived from the DSN
}

// servers resolves every server of the config; problems are those of the
// resolution itself (a missing DSN, a duplicate server or name), with
// their YAML paths. Each server's section is validated by Validate.
func (c Config) servers() ([]server, config.Problems) {
	var out []server
	var p config.Problems
	if c.Postgres.Enabled() {
		pg := c.Postgres
		out = append(out, server{path: "postgres", labels: c.Scrape.Labels, postgres: &pg})
	}
	if c.MySQL.Enabled() {
		my := c.MySQL
		out = append(out, server{path: "mysql", labels: c.Scrape.Labels, mysql: &my})
	}
	if len(c.Targets) > scrape.MaxTargets {
		p.Add("targets", "at most %d targets per scraper (run another scraper for the rest)", scrape.MaxTargets)
		return out, p
	}
	for i, t := range c.Targets {
		path := fmt.Sprintf("targets[%d]", i)
		s := server{entry: path, name: t.Name, labels: scrape.MergedLabels(c.Scrape.Labels, t.Labels)}
		scrape.ValidateLabels(&p, config.Join(path, "labels"), t.Labels)
		switch {
		case t.Postgres.IsSet() == t.MySQL.IsSet():
			p.Add(path, "needs exactly one database section (PostgreSQL or MySQL)")
			continue
		case t.Postgres.IsSet():
			s.path = config.Join(path, "postgres")
			// A DSN is never inherited: it names the server.
			d := c.Postgres
			d.DSN, d.Metrics = "", maps.Clone(c.Postgres.Metrics)
			pg, ok := t.Postgres.Over(d)
			if !ok {
				if !t.Postgres.Invalid() {
					p.Add(s.path, "cannot be decoded")
				}
				continue
			}
			s.postgres = &pg
		default:
			s.path = config.Join(path, "mysql")
			d := c.MySQL
			d.DSN = ""
			my, ok := t.MySQL.Over(d)
			if !ok {
				if !t.MySQL.Invalid() {
					p.Add(s.path, "cannot be decoded")
				}
				continue
			}
			s.mysql = &my
		}
		if !s.enabled() {
			p.Add(config.Join(s.path, "dsn"), "required: every target names its server")
			continue
		}
		out = append(out, s)
	}
	byName, byServer := map[string]string{}, map[string]string{}
	for i := range out {
		s := &out[i]
		var err error
		if s.postgres != nil {
			s.target, err = postgres.NewTarget(*s.postgres, s.labels)
		} else {
			s.target, err = mysql.NewTarget(*s.mysql, s.labels)
		}
		if err != nil {
			continue // the section's Validate names the DSN problem
		}
		if s.name == "" {
			s.name = s.target.InstanceID
		}
		namePath := config.Join(s.path, "dsn") // the name is its host:port
		if s.entry != "" {
			namePath = config.Join(s.entry, "name")
		}
		where := s.entry
		if where == "" {
			where = "the top-level dsn"
		}
		key := s.kind() + "://" + s.target.InstanceID
		if prev, dup := byServer[key]; dup {
			p.Add(config.Join(s.path, "dsn"), "the same server as %s (%s)", prev, s.target.InstanceID)
			continue
		}
		byServer[key] = where
		scrape.ValidateTargetName(&p, namePath, s.name)
		if prev, dup := byName[s.name]; dup {
			p.Add(namePath, "target name %q is also used by %s", s.name, prev)
		}
		byName[s.name] = where
	}
	return out, p
}

func (s server) enabled() bool {
	if s.postgres != nil {
		return s.postgres.Enabled()
	}
	return s.mysql != nil && s.mysql.Enabled()
}

func (s server) kind() string {
	if s.postgres != nil {
		return "postgres"
	}
	return "mysql"
}

// validate checks the server's resolved section; the single-server form is
// checked with the top-level sections already.
func (s server) validate(p *config.Problems) {
	switch {
	case s.entry == "":
	case s.postgres != nil:
		p.Merge(s.path, s.postgres.Validate())
	default:
		p.Merge(s.path, s.mysql.Validate())
	}
}

// printedTarget is a target as --validate prints it: resolved, so what is
// shown is what runs (secrets print as [REDACTED]).
type printedTarget struct {
	Name     string            `yaml:"name"`
	Labels   map[string]string `yaml:"labels,omitempty"`
	Postgres *postgres.Config  `yaml:"postgres,omitempty"`
	MySQL    *mysql.Config     `yaml:"mysql,omitempty"`
}

// printTargets encodes doc (the config without its methods) with its
// targets resolved.
func printTargets(doc any, c Config) (*yaml.Node, error) {
	var n, targets yaml.Node
	if err := n.Encode(doc); err != nil {
		return nil, err
	}
	servers, _ := c.servers()
	printed := []printedTarget{}
	for _, s := range servers {
		if s.entry != "" {
			printed = append(printed, printedTarget{Name: s.name, Labels: s.labels, Postgres: s.postgres, MySQL: s.mysql})
		}
	}
	if err := targets.Encode(printed); err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "targets" {
			n.Content[i+1] = &targets
		}
	}
	return &n, nil
}

// target is one database server with its collectors.
type target struct {
	sched *scrape.Scheduler
	close func()
}

// buildTargets makes one scheduler per database server, each with its own
// connection, collectors, breakers and baselines, and its self-metrics
// labelled target=<name>; route gives each server's consumer (by its
// service.instance.id).
func buildTargets(cfg Config, route func(instanceID string) pipeline.Consumer, reg prometheus.Registerer, log *slog.Logger) ([]target, error) {
	servers, problems := cfg.servers()
	if err := problems.Err(); err != nil {
		return nil, err
	}
	var targets []target
	for _, s := range servers {
		t, err := s.build(cfg, route, reg, log)
		if err != nil {
			for _, t := range targets {
				t.close()
			}
			return nil, err
		}
		targets = append(targets, t)
	}
	return targets, nil
}

func (s server) build(cfg Config, route func(instanceID string) pipeline.Consumer, reg prometheus.Registerer, log *slog.Logger) (target, error) {
	if reg != nil {
		reg = prometheus.WrapRegistererWith(prometheus.Labels{"target": s.name}, reg)
	}
	if log != nil {
		log = log.With("name", s.name) // the self-metrics' target label
	}
	t := s.target
	t.Version, t.Temporality = version, cfg.Scrape.Temporality
	var cols []scrape.Collector
	var closeConn func()
	var err error
	if s.postgres != nil {
		cols, closeConn, err = postgres.NewCollectors(*s.postgres, t, log, reg)
	} else {
		cols, closeConn, err = mysql.NewCollectors(*s.mysql, t, log, reg)
	}
	if err != nil {
		return target{}, fmt.Errorf("%s: %w", s.path, err)
	}
	sc := cfg.Scrape
	sc.Labels = s.labels
	sched, err := scrape.NewScheduler(sc, t, cols, route(t.InstanceID), log, reg)
	if err != nil {
		closeConn()
		return target{}, fmt.Errorf("%s: %w", s.path, err)
	}
	return target{sched: sched, close: closeConn}, nil
}
