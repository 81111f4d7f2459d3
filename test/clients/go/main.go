// The generated Go client against a running `ajc server run` (AJC_URL): the calls the issue
// lists, each checked, so a generator that misreads the document fails here, not at a user's.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"

	asyncjobs "ajc.local/clients/asyncjobs"
)

const queue = "GOCLIENT"

var raw = []byte("\x00\x01raw bytes\xff")

func check(what string, ok bool) {
	if !ok {
		fmt.Printf("FAIL %s\n", what)
		os.Exit(1)
	}
	fmt.Printf("ok %s\n", what)
}

// must stops on an unexpected error, printing the server's answer.
func must[T any](v T, _ *http.Response, err error) T {
	if err != nil {
		var oe *asyncjobs.GenericOpenAPIError
		if errors.As(err, &oe) {
			fmt.Printf("FAIL %v: %s\n", err, oe.Body())
		} else {
			fmt.Printf("FAIL %v\n", err)
		}
		os.Exit(1)
	}
	return v
}

// apiError is the typed error envelope of a call that must fail.
func apiError(err error) asyncjobs.Error {
	var oe *asyncjobs.GenericOpenAPIError
	check(fmt.Sprintf("the call failed with an API error (%v)", err), errors.As(err, &oe))
	env, ok := oe.Model().(asyncjobs.Error)
	check("an error answer has a typed body", ok)
	return env
}

func decoded(p asyncjobs.NullableString) []byte {
	b, err := base64.StdEncoding.DecodeString(*p.Get())
	check("payload is base64", err == nil)
	return b
}

func main() {
	cfg := asyncjobs.NewConfiguration()
	cfg.Servers = asyncjobs.ServerConfigurations{{URL: os.Getenv("AJC_URL")}}
	c := asyncjobs.NewAPIClient(cfg)
	ctx := context.Background()

	qr := asyncjobs.NewQueueCreateRequest(queue)
	qr.SetMaxAge("1h")
	qr.SetMaxTries(5)
	q := must(c.QueuesAPI.CreateQueue(ctx).QueueCreateRequest(*qr).Execute())
	check("create queue: max_age comes back as nanoseconds", q.GetMaxAge() == 3600e9 && q.GetMaxTries() == 5)

	doc := map[string]any{"to": "user@example.com", "n": float64(1)}
	tr := asyncjobs.NewTaskCreateRequest("go:json")
	tr.SetQueue(queue)
	tr.SetPayload(doc)
	t1 := must(c.TasksAPI.CreateTask(ctx).TaskCreateRequest(*tr).Execute())
	tr2 := asyncjobs.NewTaskCreateRequest("go:raw")
	tr2.SetQueue(queue)
	tr2.SetPayloadBase64(base64.StdEncoding.EncodeToString(raw))
	t2 := must(c.TasksAPI.CreateTask(ctx).TaskCreateRequest(*tr2).Execute())
	check("enqueue two tasks", t1.State == asyncjobs.NEW && t2.Queue == queue)

	got := must(c.TasksAPI.GetTask(ctx, t1.Id).Execute())
	var back map[string]any
	check("read back the JSON payload", json.Unmarshal(decoded(got.Payload), &back) == nil && reflect.DeepEqual(back, doc))
	got2 := must(c.TasksAPI.GetTask(ctx, t2.Id).Execute())
	check("read back the base64 payload", bytes.Equal(decoded(got2.Payload), raw))

	listed := must(c.TasksAPI.ListTasks(ctx).Queue(queue).Type_("go:json").State([]string{"new"}).Limit(10).Execute())
	check("list with filters", len(listed.Tasks) == 1 && listed.Tasks[0].Id == t1.Id && listed.Count == 1)

	retried := must(c.TasksAPI.RetryTask(ctx, t1.Id).Execute())
	check("retry one", retried.State == asyncjobs.RETRY)
	bulk := must(c.TasksAPI.RetryTasks(ctx).BulkRetryRequest(*asyncjobs.NewBulkRetryRequest([]string{t1.Id, t2.Id, "NOSUCHTASK"})).Execute())
	statuses := []string{}
	for _, r := range bulk.Results {
		statuses = append(statuses, r.Status)
	}
	check("bulk retry", reflect.DeepEqual(statuses, []string{"ok", "ok", "not_found"}))

	_, err := c.TasksAPI.DeleteTask(ctx, t2.Id).Execute()
	check("delete task", err == nil)
	_, _, err = c.TasksAPI.GetTask(ctx, t2.Id).Execute()
	env := apiError(err)
	check("deleted: error code and reason are typed", env.Error.Code == "not_found" && env.Error.Details.Reason == "task_not_found")

	_, _, err = c.QueuesAPI.CreateQueue(ctx).QueueCreateRequest(*asyncjobs.NewQueueCreateRequest(queue)).Execute()
	env = apiError(err)
	check("duplicate queue: code duplicate", env.Error.Code == "duplicate" && env.Error.Details.Reason == "queue_already_exists")

	sr := asyncjobs.NewScheduleCreateRequest("go-every-hour", "@hourly", queue, "go:cron")
	sr.SetPayload(map[string]any{"k": "v"})
	sr.SetDeadlineOffset("1m")
	s := must(c.SchedulesAPI.CreateSchedule(ctx).ScheduleCreateRequest(*sr).Execute())
	sp, err := base64.StdEncoding.DecodeString(s.GetPayload())
	check("create schedule", err == nil && s.GetDeadline() == 60e9 && string(sp) == `{"k":"v"}`)
	found := false
	for _, x := range must(c.SchedulesAPI.ListSchedules(ctx).Execute()).Schedules {
		found = found || x.Name == "go-every-hour"
	}
	check("list schedules", found)
	_, err = c.SchedulesAPI.DeleteSchedule(ctx, "go-every-hour").Execute()
	check("delete schedule", err == nil)
	_, _, err = c.SchedulesAPI.GetSchedule(ctx, "go-every-hour").Execute()
	check("deleted schedule is gone", apiError(err).Error.Details.Reason == "schedule_not_found")

	_, err = c.QueuesAPI.DeleteQueue(ctx, queue).Execute()
	check("delete queue", err == nil)
	fmt.Println("go client: all checks passed")
}
