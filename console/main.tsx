/**
 * The ajc operator console: a Preact app served by `ajc server run` at /ui/. It routes in the URL
 * fragment (#/tasks, #/tasks/ID, ...) so the server serves one page, and talks to the server only
 * through the public HTTP API (api.ts).
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { Overview } from "./pages/overview.tsx";
import { Queues } from "./pages/queues.tsx";
import { Schedules } from "./pages/schedules.tsx";
import { TaskPage } from "./pages/task.tsx";
import { Tasks } from "./pages/tasks.tsx";

/** The route: the fragment without "#", split into path and query. */
function currentRoute(): { path: string; query: URLSearchParams } {
  const h = location.hash.replace(/^#/, "") || "/";
  const q = h.indexOf("?");
  return { path: q < 0 ? h : h.slice(0, q), query: new URLSearchParams(q < 0 ? "" : h.slice(q + 1)) };
}

const NAV = [
  ["/", "Overview"],
  ["/tasks", "Tasks"],
  ["/queues", "Queues"],
  ["/schedules", "Schedules"],
] as const;

function App() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  const { path, query } = route;
  let page: preact.JSX.Element;
  let title: string;
  const task = /^\/tasks\/(.+)$/.exec(path);
  if (task) {
    const id = decodeURIComponent(task[1] ?? "");
    page = <TaskPage id={id} />;
    title = `Task ${id}`;
  } else if (path === "/tasks") {
    page = <Tasks query={query} />;
    title = "Tasks";
  } else if (path === "/queues") {
    page = <Queues />;
    title = "Queues";
  } else if (path === "/schedules") {
    page = <Schedules />;
    title = "Schedules";
  } else {
    page = <Overview />;
    title = "Overview";
  }
  useEffect(() => {
    document.title = `${title} · ajc console`;
  }, [title]);
  const section = `/${path.split("/")[1] ?? ""}`;
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header>
        <span class="brand">ajc console</span>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <a key={href} href={`#${href}`} aria-current={section === href ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
