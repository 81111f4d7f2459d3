// Command gohelper drives the Go asyncjobs library for ajc's interop tests: it does what the Go
// `ajc` CLI does not expose (a worker built on asyncjobs.NewTaskRouter, enqueueing with every task
// option, loading and retrying by id). Every command prints JSON on stdout, one object a line.
//
//	gohelper enqueue URL QUEUE TYPE PAYLOAD [--deadline RFC3339] [--tries N] [--depends ID,ID] [--load] [--sign SEED_HEX]
//	gohelper load URL ID
//	gohelper retry URL QUEUE ID
//	gohelper schedule URL NAME SCHEDULE QUEUE TYPE PAYLOAD [--tries N]
//	gohelper worker URL QUEUE TYPE [--concurrency N] [--verify PUBKEY_HEX] [--optional-signatures] [--noop]
//
// The worker's handler does what the task's payload asks, so one worker serves every test:
// {"do":"ok","result":X} returns X; {"do":"fail","error":"E"} fails with E;
// {"do":"fail_until","tries":N,"result":X} fails until the N-th try, then returns X;
// {"do":"terminate"} ends the task with ErrTerminateTask; anything else returns the payload.
// It retries on the library's "1m" back-off policy (from about a second) so tests do not wait
// minutes, and prints a {"handled":ID,...} line for each run it starts. With --noop (the
// benchmark's Go worker) the handler returns at once and prints nothing.
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	aj "github.com/choria-io/asyncjobs"
	"github.com/nats-io/nats.go"
)

var out = json.NewEncoder(os.Stdout)
var outMu sync.Mutex

func emit(v any) {
	outMu.Lock()
	defer outMu.Unlock()
	_ = out.Encode(v)
}

func fail(err error) {
	emit(map[string]string{"error": err.Error()})
	os.Exit(1)
}

// quietLogger keeps the library's log lines on stderr so stdout stays JSON.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "info: "+f+"\n", a...)
}
func (quietLogger) Warnf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "warn: "+f+"\n", a...)
}
func (quietLogger) Errorf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "error: "+f+"\n", a...)
}

func connect(url string, opts ...aj.ClientOpt) *aj.Client {
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.UseOldRequestStyle())
	if err != nil {
		fail(err)
	}
	c, err := aj.NewClient(append([]aj.ClientOpt{aj.NatsConn(nc), aj.CustomLogger(quietLogger{})}, opts...)...)
	if err != nil {
		fail(err)
	}
	return c
}

// rawPayload stores the payload bytes as given, the way `ajc task add` does.
func rawPayload(v any) ([]byte, error) { return v.([]byte), nil }

func seedKey(seedHex string) ed25519.PrivateKey {
	seed, err := hex.DecodeString(seedHex)
	if err != nil || len(seed) != ed25519.SeedSize {
		fail(fmt.Errorf("--sign takes a %d-byte seed in hex", ed25519.SeedSize))
	}
	return ed25519.NewKeyFromSeed(seed)
}

func enqueue(args []string) {
	fs := flag.NewFlagSet("enqueue", flag.ExitOnError)
	deadline := fs.String("deadline", "", "RFC3339 deadline")
	tries := fs.Int("tries", 0, "maximum tries")
	depends := fs.String("depends", "", "comma-separated ids")
	load := fs.Bool("load", false, "load dependency results")
	sign := fs.String("sign", "", "ed25519 seed, hex")
	pos, _ := splitArgs(fs, args, 4)
	url, queue, ttype, payload := pos[0], pos[1], pos[2], pos[3]

	opts := []aj.TaskOpt{aj.TaskPayloadEncoder(rawPayload)}
	if *deadline != "" {
		d, err := time.Parse(time.RFC3339Nano, *deadline)
		if err != nil {
			fail(err)
		}
		opts = append(opts, aj.TaskDeadline(d))
	}
	if *tries > 0 {
		opts = append(opts, aj.TaskMaxTries(*tries))
	}
	if *depends != "" {
		opts = append(opts, aj.TaskDependsOnIDs(strings.Split(*depends, ",")...))
	}
	if *load {
		opts = append(opts, aj.TaskRequiresDependencyResults())
	}
	task, err := aj.NewTask(ttype, []byte(payload), opts...)
	if err != nil {
		fail(err)
	}
	copts := []aj.ClientOpt{aj.BindWorkQueue(queue)}
	if *sign != "" {
		copts = append(copts, aj.TaskSigningKey(seedKey(*sign)))
	}
	c := connect(url, copts...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.EnqueueTask(ctx, task); err != nil {
		fail(err)
	}
	emit(task)
}

func load(args []string) {
	if len(args) != 2 {
		fail(errors.New("load URL ID"))
	}
	c := connect(args[0])
	task, err := c.LoadTaskByID(args[1])
	if err != nil {
		fail(err)
	}
	emit(task)
}

func retry(args []string) {
	if len(args) != 3 {
		fail(errors.New("retry URL QUEUE ID"))
	}
	c := connect(args[0], aj.BindWorkQueue(args[1]))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.RetryTaskByID(ctx, args[2]); err != nil {
		fail(err)
	}
	emit(map[string]any{"retried": args[2]})
}

// schedule stores a scheduled task through the library: the Go CLI cannot take schedules such as
// "@every 1s" (its argument parser reads "@name" as a file of arguments).
func schedule(args []string) {
	fs := flag.NewFlagSet("schedule", flag.ExitOnError)
	tries := fs.Int("tries", 0, "maximum tries of each task")
	pos, _ := splitArgs(fs, args, 6)
	url, name, spec, queue, ttype, payload := pos[0], pos[1], pos[2], pos[3], pos[4], pos[5]
	opts := []aj.TaskOpt{aj.TaskPayloadEncoder(rawPayload)}
	if *tries > 0 {
		opts = append(opts, aj.TaskMaxTries(*tries))
	}
	task, err := aj.NewTask(ttype, []byte(payload), opts...)
	if err != nil {
		fail(err)
	}
	c := connect(url)
	if err := c.NewScheduledTask(name, spec, queue, task); err != nil {
		fail(err)
	}
	st, err := c.LoadScheduledTaskByName(name)
	if err != nil {
		fail(err)
	}
	emit(st)
}

type instruction struct {
	Do     string          `json:"do"`
	Error  string          `json:"error"`
	Tries  int             `json:"tries"`
	Result json.RawMessage `json:"result"`
}

func handle(_ context.Context, _ aj.Logger, t *aj.Task) (any, error) {
	emit(map[string]any{"handled": t.ID, "type": t.Type, "tries": t.Tries, "dependency_results": t.DependencyResults})
	var in instruction
	_ = json.Unmarshal(t.Payload, &in)
	switch in.Do {
	case "ok":
		return in.Result, nil
	case "fail":
		return nil, errors.New(in.Error)
	case "fail_until":
		if t.Tries < in.Tries {
			return nil, fmt.Errorf("try %d of %d fails", t.Tries, in.Tries)
		}
		return in.Result, nil
	case "terminate":
		return nil, fmt.Errorf("%w: asked to by the payload", aj.ErrTerminateTask)
	default:
		return json.RawMessage(t.Payload), nil
	}
}

func worker(args []string) {
	fs := flag.NewFlagSet("worker", flag.ExitOnError)
	concurrency := fs.Int("concurrency", 2, "tasks at once")
	verify := fs.String("verify", "", "ed25519 public key, hex")
	optional := fs.Bool("optional-signatures", false, "accept unsigned tasks too")
	noop := fs.Bool("noop", false, "a handler that returns at once, printing nothing")
	pos, _ := splitArgs(fs, args, 3)
	url, queue, ttype := pos[0], pos[1], pos[2]

	copts := []aj.ClientOpt{aj.BindWorkQueue(queue), aj.ClientConcurrency(*concurrency), aj.RetryBackoffPolicyName("1m")}
	if *verify != "" {
		pk, err := hex.DecodeString(*verify)
		if err != nil {
			fail(err)
		}
		copts = append(copts, aj.TaskVerificationKey(pk))
	}
	if *optional {
		copts = append(copts, aj.TaskSignaturesOptional())
	}
	c := connect(url, copts...)
	router := aj.NewTaskRouter()
	h := handle
	if *noop {
		h = func(context.Context, aj.Logger, *aj.Task) (any, error) { return nil, nil }
	}
	if err := router.HandleFunc(ttype, h); err != nil {
		fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	emit(map[string]any{"ready": true, "queue": queue, "type": ttype})
	if err := c.Run(ctx, router); err != nil && !errors.Is(err, context.Canceled) {
		fail(err)
	}
}

// splitArgs takes n positional arguments, then flags (Go's flag package stops at the first
// positional one, so the positionals come first on our command lines).
func splitArgs(fs *flag.FlagSet, args []string, n int) ([]string, []string) {
	if len(args) < n {
		fail(fmt.Errorf("%s needs %d arguments", fs.Name(), n))
	}
	if err := fs.Parse(args[n:]); err != nil {
		fail(err)
	}
	return args[:n], fs.Args()
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: gohelper enqueue|load|retry|schedule|worker ..."))
	}
	switch os.Args[1] {
	case "enqueue":
		enqueue(os.Args[2:])
	case "load":
		load(os.Args[2:])
	case "retry":
		retry(os.Args[2:])
	case "schedule":
		schedule(os.Args[2:])
	case "worker":
		worker(os.Args[2:])
	default:
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}
