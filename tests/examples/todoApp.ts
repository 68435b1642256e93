/**
 * The checks both framework examples (examples/vue-todo, examples/svelte-todo) pass, against a real
 * demo server in this process: load, create (shown at once, same row after the server answers),
 * toggle, delete, and a refused change rolled back with a message.
 */
import type { QueryClient } from "@tanstack/query-core";
import { fireEvent, screen, waitFor } from "@testing-library/dom";
import { describe, expect, it } from "vitest";
import { newQueryClient, onCleanup, startDemoServer } from "./helpers";

export interface TodoAppDriver {
  /** Mounts the example's App with these props into document.body. */
  mount: (props: { baseUrl: string; queryClient: QueryClient }) => { unmount: () => void };
  /** Lets the framework bring the DOM up to date. */
  flush: () => void | Promise<void>;
}

const titles = () => Array.from(document.querySelectorAll("li"), (row) => row.textContent?.replace("×", "").trim());

export function describeTodoApp(name: string, driver: TodoAppDriver): void {
  describe(`examples/${name} against the demo server`, () => {
    async function start() {
      const server = await startDemoServer();
      const client = newQueryClient();
      const app = driver.mount({ baseUrl: server.url, queryClient: client });
      onCleanup(() => app.unmount());
      await waitFor(() => expect(titles()).toEqual(["Try the fail switch, then toggle me", "Open this page in a second tab", "Read the examples"]));
      return { server, client, app };
    }

    it("shows a new todo before the server answers and keeps its row once saved", async () => {
      const { server } = await start();
      server.control.delayMs = 100;
      const input = screen.getByLabelText<HTMLInputElement>("New todo");
      fireEvent.input(input, { target: { value: "Buy milk" } });
      await driver.flush();
      fireEvent.submit(input.closest("form")!);
      await driver.flush();

      const rows = document.querySelectorAll<HTMLElement>("li");
      const row = rows[rows.length - 1]!;
      expect(row.textContent).toContain("Buy milk");
      expect(row.dataset.id).toMatch(/^temp-/);
      expect(server.db.listTodos().map((todo) => todo.title)).not.toContain("Buy milk");

      await waitFor(() => expect(row.dataset.id).not.toMatch(/^temp-/));
      expect(server.db.getTodo(row.dataset.id!)?.title).toBe("Buy milk");
      expect(document.querySelectorAll("li")[3]).toBe(row);
    });

    it("toggles and deletes through the REST API", async () => {
      const { server } = await start();
      const checkbox = document.querySelector<HTMLInputElement>("li[data-id='1'] input[type=checkbox]")!;
      fireEvent.click(checkbox);
      await driver.flush();
      expect(document.querySelector<HTMLInputElement>("li[data-id='1'] input[type=checkbox]")!.checked).toBe(true);
      await waitFor(() => expect(server.db.getTodo("1")?.completed).toBe(true));

      fireEvent.click(screen.getByLabelText("Delete Open this page in a second tab"));
      await driver.flush();
      expect(titles()).toEqual(["Try the fail switch, then toggle me", "Read the examples"]);
      await waitFor(() => expect(server.db.getTodo("2")).toBeUndefined());
    });

    it("rolls back a change the server refuses and says so", async () => {
      const { server } = await start();
      server.control.failWrites = true;
      const checkbox = () => document.querySelector<HTMLInputElement>("li[data-id='3'] input[type=checkbox]")!;
      expect(checkbox().checked).toBe(true);
      fireEvent.click(checkbox());
      await driver.flush();
      expect(checkbox().checked).toBe(false);

      await waitFor(() => expect(screen.getByRole("alert").textContent).toContain('Changing "Read the examples" failed'));
      expect(checkbox().checked).toBe(true);
      expect(server.db.getTodo("3")?.completed).toBe(true);
    });
  });
}
