package jsrt

import (
	"runtime"
	"time"
)

// Config holds the engine's limits. The zero value of every field means "use the default"; the
// defaults are listed next to each field and in DefaultConfig.
type Config struct {
	// Timeout is the wall-clock budget of one run: the bot's top-level code, the handler and every
	// promise it awaits, including the time spent inside db and Telegram calls. Default 2s.
	// A shorter deadline on the context passed to Run wins.
	Timeout time.Duration

	// MaxConcurrent is the number of runs executing at once (one goja runtime each). Further
	// runs wait for a free slot until their context ends. Default 4×GOMAXPROCS, at least 4: runs
	// block in db and Telegram calls, so more slots than cores keep the CPUs busy.
	MaxConcurrent int

	// MaxCallStackSize is the deepest JavaScript call stack (goja's SetMaxCallStackSize).
	// Default 1000.
	MaxCallStackSize int

	// MaxSourceBytes caps the size of a bot's source. Default 128 KiB. It is also the backstop
	// for goja's parser, whose recursion and some quadratic paths are bounded only by the
	// source size (see syntax.go).
	MaxSourceBytes int

	// MaxSyntaxDepth caps the nesting of brackets, arrow functions and expressions in the source.
	// Default 200.
	MaxSyntaxDepth int

	// MaxStringLength caps, in UTF-16 code units (≈ bytes for ASCII), the strings that the guarded
	// built-ins (repeat, padStart/padEnd, concat, join, replace, JSON.stringify, String.raw…) may
	// produce. Default 2 Mi.
	MaxStringLength int

	// MaxArrayLength caps the length of the arrays and array-likes that built-ins iterate or create
	// (every Array.prototype method, Array.from, apply, spread through iterators, split…).
	// Default 1 Mi elements.
	MaxArrayLength int

	// MaxDepth caps the nesting of values crossing the Go boundary (request body, documents,
	// results) and of the recursive built-ins (JSON.stringify, JSON.parse, join, flat). Default 100.
	MaxDepth int

	// MaxValueBytes caps the JSON size of one value crossing the Go boundary (the handler's data,
	// a document written to the store, Telegram parameters). Default 1 MiB.
	MaxValueBytes int

	// MaxLogLines and MaxLogLineBytes bound what console.* captures per run. Further lines are
	// counted in Result.LogsDropped. Defaults 100 lines of 2 KiB.
	MaxLogLines     int
	MaxLogLineBytes int

	// MaxBindingCalls caps the db and Telegram calls of one run. Default 100.
	MaxBindingCalls int

	// MaxFindLimit caps the `limit` of db.operation.find; a find without limit gets
	// DefaultFindLimit (default 100). Default 1000.
	MaxFindLimit     int
	DefaultFindLimit int

	// MaxHeapBytes is an emergency brake: while runs are active a watchdog samples the process
	// heap every few milliseconds and, above this size, stops every active run with a limit
	// error; it does the same when the heap grows by more than MaxHeapBytes/16 between two samples
	// (watchdog.go). It catches what no built-in guard can see (string doubling with `+`,
	// allocation loops). Default 1 GiB; a negative value disables it.
	MaxHeapBytes int64

	// MaxRunsPerRuntime recycles a pooled runtime after this many runs, bounding whatever goja
	// might accumulate internally. Default 100000 (a sandbox costs about 5 ms to build).
	MaxRunsPerRuntime int

	// freshRuntimes makes every run build a new sandboxed runtime instead of reusing a pooled,
	// locked-down one. Unexported: it exists for the benchmark that justified the pool design.
	freshRuntimes bool
}

// DefaultConfig returns the configuration New uses for zero fields.
func DefaultConfig() Config {
	return Config{}.withDefaults()
}

func (c Config) withDefaults() Config {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	set(&c.MaxConcurrent, max(4, 4*runtime.GOMAXPROCS(0)))
	set(&c.MaxCallStackSize, 1000)
	set(&c.MaxSourceBytes, 128<<10)
	set(&c.MaxSyntaxDepth, 200)
	set(&c.MaxStringLength, 2<<20)
	set(&c.MaxArrayLength, 1<<20)
	set(&c.MaxDepth, 100)
	set(&c.MaxValueBytes, 1<<20)
	set(&c.MaxLogLines, 100)
	set(&c.MaxLogLineBytes, 2<<10)
	set(&c.MaxBindingCalls, 100)
	set(&c.MaxFindLimit, 1000)
	set(&c.DefaultFindLimit, 100)
	set(&c.MaxRunsPerRuntime, 100000)
	if c.DefaultFindLimit > c.MaxFindLimit {
		c.DefaultFindLimit = c.MaxFindLimit
	}
	if c.MaxHeapBytes == 0 {
		c.MaxHeapBytes = 1 << 30
	}
	return c
}
