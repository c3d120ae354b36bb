package gcfloor

import "testing"

func TestPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live int64
		want int
	}{
		{0, maxPercent},
		{10 * mb, maxPercent}, // 128 MB would be GOGC 1180: capped
		{32 * mb, 300},        // the next collection at 128 MB
		{64 * mb, 100},        // 2 × live reaches the floor: the default
		{100 * mb, 100},
		{2048 * mb, 100},
	} {
		if got := PercentFor(c.live, 128*mb); got != c.want {
			t.Errorf("PercentFor(%d MB) = %d, want %d", c.live/mb, got, c.want)
		}
	}
}

func TestStartLeavesAnOperatorsGOGC(t *testing.T) {
	t.Setenv("GOGC", "50")
	if Start(DefaultFloor) {
		t.Fatal("Start tuned GOGC although GOGC is set")
	}
}
