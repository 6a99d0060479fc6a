package verify

// IBANs: a known country code, two check digits, then exactly the country's
// length of upper-case letters and digits, written compactly or in groups of
// four; the ISO 7064 mod-97 check must give 1.

func findIBANs(s string, out []finding) []finding {
	for i := 0; i+15 <= len(s); i++ {
		if !isUpper(s[i]) || !isUpper(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
			continue
		}
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '_') {
			continue
		}
		want := int(ibanLen[int(s[i]-'A')*26+int(s[i+1]-'A')])
		if want == 0 {
			continue
		}
		var buf [34]byte
		n, j := 0, i
		for j < len(s) && n < want {
			c := s[j]
			if c == ' ' && n%4 == 0 && n > 0 && j+1 < len(s) && isAlnum(s[j+1]) {
				j++
				continue
			}
			if !isUpper(c) && !isDigit(c) {
				break
			}
			buf[n] = c
			n++
			j++
		}
		if n != want || (j < len(s) && (isAlnum(s[j]) || s[j] == '_')) {
			continue
		}
		if mod97(buf[:n]) == 1 {
			out = append(out, finding{start: i, end: j, typ: typeIBAN})
			i = j - 1
		}
	}
	return out
}

// mod97 computes the IBAN check over the rearranged string (first four
// characters moved to the end, letters as 10..35) without big integers.
func mod97(b []byte) int {
	r := 0
	add := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	for _, c := range b[4:] {
		add(c)
	}
	for _, c := range b[:4] {
		add(c)
	}
	return r
}

// ibanLen is the IBAN length per country (SWIFT IBAN registry), indexed by
// the two letters of the country code.
var ibanLen = func() (t [26 * 26]uint8) {
	for cc, l := range map[string]uint8{
		"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
		"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
		"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
		"GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
		"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
		"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
		"NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
		"SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
		"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
	} {
		t[int(cc[0]-'A')*26+int(cc[1]-'A')] = l
	}
	return t
}()
