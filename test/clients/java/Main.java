// The generated Java client against a running `ajc server run` (AJC_URL): the calls the issue
// lists, each checked, so a generator that misreads the document fails here, not at a user's.
// test/clients/run.ts compiles it together with the generated client (which is not committed).
package clientcheck;

import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openapitools.client.ApiClient;
import org.openapitools.client.ApiException;
import org.openapitools.client.api.QueuesApi;
import org.openapitools.client.api.SchedulesApi;
import org.openapitools.client.api.TasksApi;
import org.openapitools.client.model.BulkRetryRequest;
import org.openapitools.client.model.BulkRetryResult;
import org.openapitools.client.model.Error;
import org.openapitools.client.model.ErrorError;
import org.openapitools.client.model.QueueCreateRequest;
import org.openapitools.client.model.QueueInfo;
import org.openapitools.client.model.Schedule;
import org.openapitools.client.model.ScheduleCreateRequest;
import org.openapitools.client.model.Task;
import org.openapitools.client.model.TaskCreateRequest;
import org.openapitools.client.model.TaskListResponse;
import org.openapitools.client.model.TaskState;

public class Main {
  static final String QUEUE = "JAVACLIENT";
  static final byte[] RAW = "\u0000\u0001raw bytes".getBytes(StandardCharsets.UTF_8);

  static void check(String what, boolean ok) {
    if (!ok) {
      System.out.println("FAIL " + what);
      System.exit(1);
    }
    System.out.println("ok " + what);
  }

  /** The typed error envelope of a call that must fail. */
  static ErrorError apiError(Callable<?> call) throws Exception {
    try {
      call.call();
    } catch (ApiException e) {
      Error env = Error.fromJson(e.getResponseBody());
      check("an error answer has a typed body (status " + e.getCode() + ")", env.getError() != null);
      return env.getError();
    }
    check("the call failed", false);
    return null;
  }

  static boolean sameJson(byte[] got, String want) {
    return JsonParser.parseString(new String(got, StandardCharsets.UTF_8)).equals(JsonParser.parseString(want));
  }

  public static void main(String[] args) throws Exception {
    ApiClient client = new ApiClient();
    client.setBasePath(System.getenv("AJC_URL"));
    QueuesApi queues = new QueuesApi(client);
    TasksApi tasks = new TasksApi(client);
    SchedulesApi schedules = new SchedulesApi(client);

    QueueInfo q = queues.createQueue(new QueueCreateRequest().name(QUEUE).maxAge("1h").maxTries(5));
    check("create queue: max_age comes back as nanoseconds", q.getMaxAge() == 3_600_000_000_000L && q.getMaxTries() == 5);

    Map<String, Object> doc = Map.of("to", "user@example.com", "n", 1);
    Task t1 = tasks.createTask(new TaskCreateRequest().type("java:json").queue(QUEUE).payload(doc), null, null);
    // payload_base64 is format: byte, so the generated model takes the bytes and encodes them.
    Task t2 = tasks.createTask(new TaskCreateRequest().type("java:raw").queue(QUEUE).payloadBase64(RAW), null, null);
    check("enqueue two tasks", t1.getState() == TaskState.NEW && QUEUE.equals(t2.getQueue()));

    check("read back the JSON payload", sameJson(tasks.getTask(t1.getId(), null).getPayload(), "{\"to\":\"user@example.com\",\"n\":1}"));
    check("read back the base64 payload", Arrays.equals(tasks.getTask(t2.getId(), null).getPayload(), RAW));

    TaskListResponse listed = tasks.listTasks(List.of("new"), QUEUE, "java:json", null, null, 10, null, null);
    check("list with filters", listed.getCount() == 1 && listed.getTasks().get(0).getId().equals(t1.getId()));

    check("retry one", tasks.retryTask(t1.getId()).getState() == TaskState.RETRY);
    List<BulkRetryResult> bulk = tasks.retryTasks(new BulkRetryRequest().ids(List.of(t1.getId(), t2.getId(), "NOSUCHTASK"))).getResults();
    check("bulk retry", bulk.get(0).getStatus() == BulkRetryResult.StatusEnum.OK
        && bulk.get(1).getStatus() == BulkRetryResult.StatusEnum.OK
        && bulk.get(2).getStatus() == BulkRetryResult.StatusEnum.NOT_FOUND);

    tasks.deleteTask(t2.getId());
    ErrorError err = apiError(() -> tasks.getTask(t2.getId(), null));
    check("deleted: error code and reason are typed", err.getCode() == ErrorError.CodeEnum.NOT_FOUND && "task_not_found".equals(err.getDetails().getReason()));

    err = apiError(() -> queues.createQueue(new QueueCreateRequest().name(QUEUE)));
    check("duplicate queue: code duplicate", err.getCode() == ErrorError.CodeEnum.DUPLICATE && "queue_already_exists".equals(err.getDetails().getReason()));

    Schedule s = schedules.createSchedule(new ScheduleCreateRequest().name("java-every-hour").schedule("@hourly")
        .queue(QUEUE).taskType("java:cron").payload(Map.of("k", "v")).deadlineOffset("1m"));
    check("create schedule", s.getDeadline() == 60_000_000_000L && sameJson(s.getPayload(), "{\"k\":\"v\"}"));
    check("list schedules", schedules.listSchedules().getSchedules().stream().anyMatch(x -> x.getName().equals("java-every-hour")));
    schedules.deleteSchedule("java-every-hour");
    err = apiError(() -> schedules.getSchedule("java-every-hour"));
    check("deleted schedule is gone", "schedule_not_found".equals(err.getDetails().getReason()));

    queues.deleteQueue(QUEUE);
    System.out.println("java client: all checks passed");
  }
}
