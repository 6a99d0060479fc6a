package verify

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Where the generated values are embedded: SQL text, application log
// lines, PostgreSQL error messages as the server writes them, attribute
// values (with a key) and span attributes.
var (
	sqlTemplates = []string{
		"SELECT id, name FROM customers WHERE %s = '%s' LIMIT 1",
		"INSERT INTO customers (name, %s, created_at) VALUES ('Ann', '%s', now())",
		"UPDATE accounts SET %s = '%s' WHERE account_id = 42",
		"/* app=checkout %s=%s */ SELECT * FROM orders WHERE status = 'open'",
		"DELETE FROM subscribers WHERE %s = '%s'",
	}
	logTemplates = []string{
		"user updated %s to %s",
		"payment request %s=%s amount=12.50 currency=EUR",
		"lookup failed for %s %s, retrying",
		"[worker-3] processing record {\"%s\": \"%s\", \"status\": \"new\"}",
		"audit: changed %s (%s) by admin",
	}
	pgErrorTemplates = []string{
		"ERROR:  duplicate key value violates unique constraint \"customers_%s_key\"\nDETAIL:  Key (%s)=(%s) already exists.",
		"ERROR:  new row for relation \"customers\" violates check constraint \"%s_format\"\nDETAIL:  Failing row contains (1042, Ann Smith, %s, 2024-01-15 10:30:00+00, t).",
		"ERROR:  invalid input syntax for type %s: \"%s\"",
		"ERROR:  null value in column \"name\" of relation \"customers\" violates not-null constraint\nDETAIL:  Failing row contains (77, null, %s, %s).",
		"STATEMENT:  UPDATE customers SET %s = '%s' WHERE id = 9",
	}
	spanAttrKeys = []string{"db.statement", "db.query.text", "exception.message", "url.full", "http.request.body"}
	attrKeyFor   = map[string][]string{
		"card": {"payment.card", "card", "pan"}, "ssn": {"user.ssn", "customer.tax_id_us", "ssn"},
		"email": {"user.email", "enduser.email", "contact"}, "phone": {"user.phone", "customer.mobile", "contact"},
		"iban": {"payment.iban", "account", "payout.account"}, "ip": {"client.address", "net.peer.ip", "source"},
		"secret": {"db.connection_string", "http.request.header.authorization", "config"},
	}
	columnFor = map[string]string{"card": "card_number", "ssn": "ssn", "email": "email", "phone": "phone",
		"iban": "iban", "ip": "last_ip", "secret": "note"}
)

func (g gen) value(typ string) (text, value string) {
	switch typ {
	case "card":
		v := g.card()
		return v, v
	case "ssn":
		v := g.ssn()
		return v, v
	case "email":
		v := g.email()
		return v, v
	case "phone":
		v := g.phone()
		return v, v
	case "iban":
		v := g.iban()
		return v, v
	case "ip":
		v := g.ip()
		return v, v
	}
	return g.secret()
}

func (g gen) embed(where, typ, text string) (string, string) {
	col := columnFor[typ]
	switch where {
	case "sql":
		t := g.pick(sqlTemplates...)
		if typ == "secret" { // secrets are not SQL literals; they reach SQL texts in comments
			t = sqlTemplates[3]
		}
		return fmt.Sprintf(t, col, text), ""
	case "log":
		return fmt.Sprintf(g.pick(logTemplates...), col, text), ""
	case "pg_error":
		t := g.pick(pgErrorTemplates...)
		switch strings.Count(t, "%s") {
		case 3:
			return fmt.Sprintf(t, col, col, text), ""
		default:
			if strings.HasPrefix(t, "ERROR:  null") {
				return fmt.Sprintf(t, text, "2024-01-15"), ""
			}
			return fmt.Sprintf(t, col, text), ""
		}
	case "attr":
		return text, g.pick(attrKeyFor[typ]...)
	}
	k := g.pick(spanAttrKeys...)
	switch k {
	case "exception.message":
		return "org.postgresql.util.PSQLException: ERROR: duplicate key value violates unique constraint\n  Detail: Key (" + col + ")=(" + text + ") already exists.", k
	case "url.full":
		return "https://api.example.com/v2/customers/search?" + col + "=" + text + "&limit=20", k
	case "http.request.body":
		return `{"` + col + `":"` + text + `","consent":true}`, k
	}
	return fmt.Sprintf("SELECT * FROM customers WHERE %s = '%s'", col, text), k
}

var (
	wheres   = []string{"sql", "log", "pg_error", "attr", "span_attr"}
	piiTypes = []string{"card", "ssn", "email", "phone", "iban", "ip", "secret"}
)

func generateCorpus() []sample {
	g := gen{r: rand.New(rand.NewPCG(20261125, 5))}
	var out []sample
	for i := 0; i < 840; i++ { // 120 per type
		typ := piiTypes[i%len(piiTypes)]
		where := wheres[(i/len(piiTypes))%len(wheres)]
		text, value := g.value(typ)
		s, key := g.embed(where, typ, text)
		smp := sample{Where: where, Key: key, Text: s, PII: []label{{Type: typ, Value: value}}}
		if i%10 == 0 { // some lines carry two values
			t2 := piiTypes[(i/10)%len(piiTypes)]
			if t2 != typ && where != "attr" {
				_, v2 := g.value(t2)
				if t2 != "secret" {
					smp.Text += " contact " + v2
					smp.PII = append(smp.PII, label{Type: t2, Value: v2})
				}
			}
		}
		out = append(out, smp)
	}
	for i := 0; i < 700; i++ {
		kind, text, key := g.negative(i)
		out = append(out, sample{Where: wheres[i%len(wheres)], Key: key, Kind: kind, Text: text, PII: []label{}})
	}
	return out
}
