"""The generated Python client against a running `ajc server run` (AJC_URL): the calls the
issue lists, each checked, so a generator that misreads the document fails here, not at a user's.
Run by test/clients/run.ts with the generated package (openapi_client) on PYTHONPATH."""

import base64
import json
import os
import sys

import openapi_client
from openapi_client.exceptions import ApiException
from openapi_client.models.bulk_retry_request import BulkRetryRequest
from openapi_client.models.error import Error
from openapi_client.models.queue_create_request import QueueCreateRequest
from openapi_client.models.schedule_create_request import ScheduleCreateRequest
from openapi_client.models.task_create_request import TaskCreateRequest

QUEUE = "PYCLIENT"
RAW = b"\x00\x01raw bytes\xff"


def check(what, ok):
    if not ok:
        sys.exit(f"FAIL {what}")
    print(f"ok {what}")


def api_error(call) -> Error:
    """The typed error envelope of a call that must fail."""
    try:
        call()
    except ApiException as e:
        check(f"an error answer has a typed body (status {e.status})", isinstance(e.data, Error))
        return e.data
    sys.exit("FAIL the call did not fail")


client = openapi_client.ApiClient(openapi_client.Configuration(host=os.environ["AJC_URL"]))
queues = openapi_client.QueuesApi(client)
tasks = openapi_client.TasksApi(client)
schedules = openapi_client.SchedulesApi(client)

q = queues.create_queue(QueueCreateRequest(name=QUEUE, max_age="1h", max_tries=5))
check("create queue: max_age comes back as nanoseconds", q.max_age == 3600 * 10**9 and q.max_tries == 5)

doc = {"to": "user@example.com", "n": 1}
t1 = tasks.create_task(TaskCreateRequest(type="py:json", queue=QUEUE, payload=doc))
t2 = tasks.create_task(
    TaskCreateRequest(type="py:raw", queue=QUEUE, payload_base64=base64.b64encode(RAW).decode())
)
check("enqueue two tasks", t1.state.value == "new" and t2.queue == QUEUE)

got = tasks.get_task(t1.id)
check("read back the JSON payload", json.loads(base64.b64decode(got.payload)) == doc)
check("read back the base64 payload", base64.b64decode(tasks.get_task(t2.id).payload) == RAW)

listed = tasks.list_tasks(queue=QUEUE, type="py:json", state=["new"], limit=10)
check("list with filters", [t.id for t in listed.tasks] == [t1.id] and listed.count == 1)

check("retry one", tasks.retry_task(t1.id).state.value == "retry")
bulk = tasks.retry_tasks(BulkRetryRequest(ids=[t1.id, t2.id, "NOSUCHTASK"]))
check("bulk retry", [r.status for r in bulk.results] == ["ok", "ok", "not_found"])

tasks.delete_task(t2.id)
err = api_error(lambda: tasks.get_task(t2.id))
check("deleted: error code and reason are typed", err.error.code == "not_found" and err.error.details.reason == "task_not_found")

err = api_error(lambda: queues.create_queue(QueueCreateRequest(name=QUEUE)))
check("duplicate queue: code duplicate", err.error.code == "duplicate" and err.error.details.reason == "queue_already_exists")

s = schedules.create_schedule(
    ScheduleCreateRequest(name="py-every-hour", schedule="@hourly", queue=QUEUE, task_type="py:cron",
                          payload={"k": "v"}, deadline_offset="1m")
)
check("create schedule", s.deadline == 60 * 10**9 and json.loads(base64.b64decode(s.payload)) == {"k": "v"})
check("list schedules", "py-every-hour" in [x.name for x in schedules.list_schedules().schedules])
schedules.delete_schedule("py-every-hour")
err = api_error(lambda: schedules.get_schedule("py-every-hour"))
check("deleted schedule is gone", err.error.details.reason == "schedule_not_found")

queues.delete_queue(QUEUE)
print("python client: all checks passed")
