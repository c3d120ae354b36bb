package replies

import (
	"strings"
	"unicode/utf8"
)

// Set is a bot's replies compiled for matching: commands and buttons are map
// lookups and keywords a trie of words, so matching a message costs about
// the same with 5 replies as with 500. A Set is immutable and safe for
// concurrent use; build a new one when the replies change (it shares their
// slices, which must not change either).
type Set struct {
	bot      string  // the bot's username, without "@"
	replies  []Reply // in match order
	byID     map[string]int
	commands map[string]int // enabled command replies; the first in order wins
	fallback int            // the first enabled fallback reply, or -1
	// words holds the keywords made of words as a trie: a message is
	// walked from each of its words, one map lookup per word, however
	// many keywords share a beginning.
	words wordTrie
	// substrings are keywords in a spaceless script, matched as substrings
	// of the message's normalized words joined by spaces.
	substrings []substringKeyword
}

// wordTrie maps a word to the keywords that continue from it.
type wordTrie map[string]*trieNode

type trieNode struct {
	next    wordTrie
	replies []int // replies with a keyword ending here, in match order
}

func (t wordTrie) add(words []string, reply int) {
	n := t[words[0]]
	if n == nil {
		n = &trieNode{}
		t[words[0]] = n
	}
	if len(words) == 1 {
		if len(n.replies) == 0 || n.replies[len(n.replies)-1] != reply {
			n.replies = append(n.replies, reply)
		}
		return
	}
	if n.next == nil {
		n.next = wordTrie{}
	}
	n.next.add(words[1:], reply)
}

type substringKeyword struct {
	reply int    // index in replies
	text  string // normalized words joined by spaces
	// anyStart and anyEnd are true when the keyword starts or ends in a
	// spaceless script, and may then start or end inside a word.
	anyStart, anyEnd bool
}

func newSubstringKeyword(reply int, text string) substringKeyword {
	first, _ := utf8.DecodeRuneInString(text)
	last, _ := utf8.DecodeLastRuneInString(text)
	return substringKeyword{reply: reply, text: text, anyStart: isSpaceless(first), anyEnd: isSpaceless(last)}
}

// NewSet compiles replies (in match order) for the bot whose username is
// botUsername (needed for "/cmd@bot"). Disabled replies are kept, for
// lookups by id, but never match.
func NewSet(replies []Reply, botUsername string) *Set {
	s := &Set{
		bot:      strings.TrimPrefix(botUsername, "@"),
		replies:  make([]Reply, len(replies)),
		byID:     make(map[string]int, len(replies)),
		commands: map[string]int{},
		fallback: -1,
		words:    wordTrie{},
	}
	copy(s.replies, replies)
	for i := range s.replies {
		r := &s.replies[i]
		if r.ID != "" {
			if _, dup := s.byID[r.ID]; !dup {
				s.byID[r.ID] = i
			}
		}
		if !r.Enabled {
			continue
		}
		switch r.Trigger.Kind {
		case TriggerCommand:
			name := NormalizeCommand(r.Trigger.Command)
			if _, taken := s.commands[name]; !taken && name != "" {
				s.commands[name] = i
			}
		case TriggerFallback:
			if s.fallback < 0 {
				s.fallback = i
			}
		case TriggerKeyword:
			for _, k := range r.Trigger.Keywords {
				norm := normalize(k)
				words := tokens(nil, norm)
				if len(words) == 0 {
					continue
				}
				if text := strings.Join(words, " "); hasSpaceless(text) {
					s.substrings = append(s.substrings, newSubstringKeyword(i, text))
				} else {
					s.words.add(words, i)
				}
			}
		}
	}
	return s
}

// BotUsername is the username the set was compiled for.
func (s *Set) BotUsername() string { return s.bot }

// Replies are the set's replies in match order. Do not modify them.
func (s *Set) Replies() []Reply { return s.replies }

// Reply returns the reply with this id (enabled or not).
func (s *Set) Reply(id string) (*Reply, bool) {
	i, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	return &s.replies[i], true
}

// keyword returns the index of the first reply in match order that has a
// keyword in text and may answer there (eligible), or -1.
func (s *Set) keyword(text string, eligible func(*Reply) bool) int {
	if len(s.words) == 0 && len(s.substrings) == 0 {
		return -1
	}
	var buf [64]string
	norm := normalize(text)
	words := tokens(buf[:0], norm)
	if len(words) == 0 {
		return -1
	}
	best := -1
	better := func(i int) bool { return (best < 0 || i < best) && eligible(&s.replies[i]) }
	for at := range words {
		n := s.words[words[at]]
		for j := at + 1; n != nil; j++ {
			for _, i := range n.replies {
				if better(i) {
					best = i
					break
				}
			}
			if j == len(words) {
				break
			}
			n = n.next[words[j]]
		}
	}
	// A keyword in a spaceless script can only be in a message that has
	// some of it.
	if len(s.substrings) > 0 && !isASCII(norm) && hasSpaceless(norm) {
		joined := strings.Join(words, " ")
		for _, kw := range s.substrings {
			if better(kw.reply) && kw.in(joined) {
				best = kw.reply
			}
		}
	}
	return best
}

// in reports whether the keyword is in text (words joined by spaces). The
// spaceless part matches anywhere; an end in another script must be a word's
// end ("ad 价格" is not in "bad 价格").
func (k substringKeyword) in(text string) bool {
	for from := 0; ; {
		at := strings.Index(text[from:], k.text)
		if at < 0 {
			return false
		}
		at += from
		end := at + len(k.text)
		if (k.anyStart || at == 0 || text[at-1] == ' ') && (k.anyEnd || end == len(text) || text[end] == ' ') {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[at:])
		from = at + size
	}
}
