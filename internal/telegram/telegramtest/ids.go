package telegramtest

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
)

// Id ranges chosen to look like Telegram's: 10-digit users and bots, basic
// groups below -4e9, supergroups and channels with the -100 prefix.
const (
	firstUserID       = 5_000_000_001
	firstBotID        = 7_000_000_001
	firstGroupID      = -4_000_000_001
	firstSupergroupID = -1_002_000_000_001
)

const urlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// randomString returns n characters of [A-Za-z0-9_-] from crypto/rand.
func randomString(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	for i, b := range buf {
		buf[i] = urlSafe[int(b)%len(urlSafe)]
	}
	return string(buf)
}

// newToken returns a token shaped like BotFather's: "<id>:AA" followed by 33
// characters, 35 after the colon in all.
func newToken(botID int64) string {
	return strconv.FormatInt(botID, 10) + ":AA" + randomString(33)
}

// newInviteLink returns a private invite link in Telegram's current format.
func newInviteLink() string {
	return "https://t.me/+" + randomString(16)
}

// newFileID returns ids shaped like Telegram's (opaque base64url strings).
func newFileID() (fileID, uniqueID string) {
	return "AgACAgIAAxkBAA" + randomString(58), "AQAD" + randomString(12)
}

// randomUpdateBase picks where a bot's update_ids start, so consumers cannot
// get away with assuming they start at 1.
func randomUpdateBase() int {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return 100_000_000 + int(binary.BigEndian.Uint32(b[:])%800_000_000)
}

// randomInt64 is used for opaque numeric strings such as chat_instance.
func randomInt64() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:]) >> 1)
}
