package core

import (
	"strings"
	"time"
	_ "time/tzdata" // the zone database in the binary: hosts without /usr/share/zoneinfo know every zone too
)

// KnownTimeZone reports whether name is a time zone a member may choose:
// "" (UTC) or an IANA name such as "Europe/Berlin". "Local" (the server's
// zone) is not one: it means nothing to a member.
func KnownTimeZone(name string) bool {
	if name == "" || name == "UTC" {
		return true
	}
	if name == "Local" || strings.ContainsAny(name, " \\") || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}
