package verify

// US Social Security numbers: AAA-GG-SSSS (or spaces) with the SSA's
// invalid ranges excluded (area 000, 666, 900–999; group 00; serial 0000).
// A bare nine-digit number is far more often an id than an SSN, so it only
// counts when "ssn" or "social security" is in the attribute key or just
// before it.

func findSSNs(s, key string, out []finding) []finding {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		if !numberStartOK(s, i) {
			i = skipWord(s, i)
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		switch {
		case j-i == 3 && j+8 <= len(s) && (s[j] == '-' || s[j] == ' ') && allDigits(s[j+1:j+3]) &&
			s[j+3] == s[j] && allDigits(s[j+4:j+8]) && numberEndOK(s, j+8):
			if validSSN(s[i:i+3], s[j+1:j+3], s[j+4:j+8]) {
				out = append(out, finding{start: i, end: j + 8, typ: typeSSN})
			}
			j += 8
		case j-i == 9 && numberEndOK(s, j) && ssnContext(s, key, i):
			if validSSN(s[i:i+3], s[i+3:i+5], s[i+5:i+9]) {
				out = append(out, finding{start: i, end: j, typ: typeSSN})
			}
		}
		i = j
	}
	return out
}

func ssnContext(s, key string, i int) bool {
	c := contextBefore(s, i, 40)
	return containsFold(key, "ssn") || containsFold(key, "social") || containsFold(c, "ssn") ||
		containsFold(c, "social security")
}

func validSSN(area, group, serial string) bool {
	if area == "000" || area == "666" || area[0] == '9' {
		return false
	}
	return group != "00" && serial != "0000"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
