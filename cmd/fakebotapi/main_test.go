package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the command: with
// FAKEBOTAPI_RUN_MAIN set it runs main, so the test can start it as a real
// child process without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("FAKEBOTAPI_RUN_MAIN") == "1" {
		os.Args = append([]string{os.Args[0]}, strings.Fields(os.Getenv("FAKEBOTAPI_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestPrintsURLAndStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "FAKEBOTAPI_RUN_MAIN=1", "FAKEBOTAPI_ARGS=-addr 127.0.0.1:0")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill() }()

			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			url, ok := strings.CutPrefix(strings.TrimSpace(line), "FAKE_BOT_API_URL=http://127.0.0.1:")
			if !ok || url == "" || url == "0" {
				t.Fatalf("first line = %q", line)
			}
			resp, err := http.Get("http://127.0.0.1:" + url + "/_fake/health")
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("health: %d", resp.StatusCode)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after %s: %v", sig, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still running 10s after %s", sig)
			}
		})
	}
}

func TestBadAddressFails(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FAKEBOTAPI_RUN_MAIN=1", "FAKEBOTAPI_ARGS=-addr 127.0.0.1:notaport")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "fakebotapi:") {
		t.Fatalf("want a failure, got %v: %s", err, out)
	}
}
