extension ConsoleAssets {
    /// The console's behaviour: hash routes to pages, each drawn from the admin API's JSON. Text from
    /// the API only ever reaches the page as `textContent`, never as markup.
    static let script = Array(#"""
    "use strict";
    const KEY = "hookrouter.admin.token";
    const $ = (id) => document.getElementById(id);
    let liveAbort = null;

    function el(tag, attrs, ...children) {
      const e = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs || {})) {
        if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
        else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
      }
      for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? "" : String(c)));
      return e;
    }
    function svg(tag, attrs) {
      const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      return e;
    }
    function time(t) { return t ? new Date(t).toLocaleString() : "-"; }

    class Unauthorized extends Error {}

    async function api(path, options) {
      const r = await fetch(path, Object.assign({ headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY) }, cache: "no-store" }, options || {}));
      if (r.status === 401) throw new Unauthorized();
      const text = await r.text();
      const body = text ? JSON.parse(text) : null;
      if (!r.ok) throw new Error((body && body.detail) || ("HTTP " + r.status));
      return body;
    }

    function table(headers, rows, onClick) {
      return el("table", {}, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
        el("tbody", {}, rows.length ? rows.map((r) => el("tr", onClick ? { class: "click", on: { click: () => onClick(r.item) } } : {}, r.cells.map((c) => el("td", {}, c))))
                                    : el("tr", {}, el("td", { colspan: headers.length }, "Nothing here."))));
    }

    function confirmBox(text) {
      return new Promise((done) => {
        $("dialog-text").textContent = text;
        $("dialog").hidden = false;
        const finish = (v) => { $("dialog").hidden = true; $("dialog-yes").onclick = $("dialog-no").onclick = null; done(v); };
        $("dialog-yes").onclick = () => finish(true);
        $("dialog-no").onclick = () => finish(false);
      });
    }

    // --- pages -------------------------------------------------------------------------------
    const pages = {
      async overview(view) {
        const [stats, minutes, targets, metrics] = await Promise.all([api("/api/stats"), api("/api/stats/minutes?minutes=60"), api("/api/targets"),
          fetch("/metrics", { headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY) } }).then((r) => r.text())]);
        const oldest = /^hookrouter_delivery_oldest_due_seconds (\S+)/m.exec(metrics);
        const open = targets.filter((t) => t.circuit === "open").map((t) => t.name);
        const rate = stats.success_rate_24h;
        view.append(el("h1", {}, "Overview"),
          el("div", { class: "cards" },
            el("div", { class: "card" }, "Events (24 h)", el("b", {}, stats.totals.events_24h)),
            el("div", { class: "card" }, "Success rate (24 h)", el("b", { class: rate !== null && rate < 0.99 ? "bad" : "good" }, rate === null ? "-" : (rate * 100).toFixed(2) + "%")),
            el("div", { class: "card" }, "Oldest due", el("b", {}, oldest ? Math.round(Number(oldest[1])) + " s" : "-")),
            el("div", { class: "card" }, "Circuits open", el("b", { class: open.length ? "bad" : "good" }, open.length ? open.join(", ") : "none")),
            el("div", { class: "card" }, "Dead letters", el("b", { class: stats.totals.deliveries.dead ? "bad" : "good" }, stats.totals.deliveries.dead))),
          el("h2", {}, "Last hour, per minute"), chart(minutes.minutes),
          el("div", { class: "legend" }, el("span", {}, el("i", { class: "ev-key" }), "events"), el("span", {}, el("i", { class: "dl-key" }), "deliveries"),
             el("span", {}, el("i", { class: "fa-key" }), "failed attempts")));
      },

      async deliveries(view, params) {
        const q = new URLSearchParams();
        for (const k of ["status", "target", "source", "since", "cursor"]) if (params.get(k)) q.set(k, params.get(k));
        q.set("limit", "50");
        const [page, targets, sources] = await Promise.all([api("/api/deliveries?" + q), api("/api/targets"), api("/api/sources")]);
        const form = el("form", { class: "filters", on: { submit: (e) => { e.preventDefault(); go("deliveries", new FormData(e.target)); } } },
          el("select", { name: "status" }, ["", "pending", "delivered", "dead", "orphaned"].map((s) => el("option", { value: s, selected: params.get("status") === s }, s || "any status"))),
          el("select", { name: "target" }, [el("option", { value: "" }, "any target")].concat(targets.map((t) => el("option", { value: t.name, selected: params.get("target") === t.name }, t.name)))),
          el("select", { name: "source" }, [el("option", { value: "" }, "any source")].concat(sources.map((s) => el("option", { value: s.name, selected: params.get("source") === s.name }, s.name)))),
          el("input", { name: "since", placeholder: "since (RFC 3339)", value: params.get("since") || "" }), el("button", { type: "submit" }, "Filter"));
        view.append(el("h1", {}, "Deliveries"), form, deliveryTable(page.items),
          page.next_cursor ? el("button", { type: "button", id: "next-page", on: { click: () => { params.set("cursor", page.next_cursor); go("deliveries", params); } } }, "Older") : "");
      },

      async delivery(view, params) {
        const d = await api("/api/deliveries/" + encodeURIComponent(params.get("id")));
        const replay = (d.status === "dead" || d.status === "orphaned") ? el("button", { type: "button", id: "replay-one", on: { click: async () => {
          if (!(await confirmBox("Replay delivery " + d.id + " to " + d.target + "?"))) return;
          await api("/api/deliveries/" + d.id + "/replay", { method: "POST" });
          go("delivery", new URLSearchParams({ id: d.id }));
        } } }, "Replay") : "";
        view.append(el("h1", {}, "Delivery " + d.id), el("p", {}, el("b", { id: "delivery-status", class: d.status === "delivered" ? "good" : d.status === "dead" ? "bad" : "" }, d.status),
          " · target " + d.target + " · route " + d.route + " · event " + d.event_id + " (" + d.type + ") · " + d.attempts + " attempt(s) "), replay,
          el("h2", {}, "Attempts"), table(["#", "Started", "Status", "Time", "Error", "Answer"], (d.attempt_log || []).map((a) => ({ cells: [
            a.attempt, time(a.started_at), a.status === null ? (a.recorded === false ? "2xx (not kept)" : "-") : a.status, a.duration_ms === null ? "-" : a.duration_ms + " ms",
            a.error || "", a.response || ""] }))));
      },

      async dead(view, params) {
        const q = new URLSearchParams({ status: "dead", limit: "200" });
        if (params.get("target")) q.set("target", params.get("target"));
        const [page, targets] = await Promise.all([api("/api/deliveries?" + q), api("/api/targets")]);
        const picked = new Set();
        const rows = page.items.map((d) => ({ item: d, cells: [
          el("input", { type: "checkbox", "aria-label": "select " + d.id, on: { click: (e) => { e.stopPropagation(); e.target.checked ? picked.add(d.id) : picked.delete(d.id); } } }),
          d.id, d.target, d.type, d.attempts, d.last_status === null ? "-" : d.last_status, d.last_error || ""] }));
        const selected = el("button", { type: "button", id: "replay-selected", on: { click: async () => {
          if (!picked.size || !(await confirmBox("Replay " + picked.size + " dead deliveries?"))) return;
          for (const id of picked) await api("/api/deliveries/" + id + "/replay", { method: "POST" });
          go("dead", params);
        } } }, "Replay selected");
        const target = el("select", { id: "dead-target" }, targets.filter((t) => t.kind !== "stream").map((t) => el("option", { value: t.name }, t.name)));
        const all = el("button", { type: "button", id: "replay-all", on: { click: async () => {
          if (!(await confirmBox("Replay every dead delivery to " + target.value + "?"))) return;
          await api("/api/deliveries/replay?status=dead&target=" + encodeURIComponent(target.value), { method: "POST" });
          go("dead", params);
        } } }, "Replay all for");
        view.append(el("h1", {}, "Dead letters"), el("div", { class: "filters" }, selected, all, target),
          table(["", "ID", "Target", "Type", "Tries", "Last", "Error"], rows, (d) => go("delivery", new URLSearchParams({ id: d.id }))));
      },

      async targets(view) {
        const targets = await api("/api/targets");
        const out = el("pre", { id: "test-result", hidden: true });
        view.append(el("h1", {}, "Targets"), table(["Name", "Kind", "Where", "Circuit", "Queued", "In flight", ""], targets.map((t) => ({ cells: [
          t.name, t.kind, t.kind === "stream" ? t.path : t.url, t.kind === "stream" ? Object.entries(t.clients).map(([k, v]) => v + " " + k).join(", ") || "no clients" : t.circuit,
          t.queued ?? "-", t.in_flight ?? "-",
          t.kind === "stream" ? "" : el("button", { type: "button", on: { click: async () => {
            out.hidden = false;
            out.textContent = "sending a test event to " + t.name + "…";
            const r = await api("/api/targets/" + encodeURIComponent(t.name) + "/test", { method: "POST", body: "{}" });
            out.textContent = (r.succeeded ? "answered " + r.status : "failed: " + r.error) + " in " + r.duration_ms + " ms\n" + (r.response || "");
          } } }, "Test")] }))), out);
      },

      async sources(view) {
        const sources = await api("/api/sources");
        view.append(el("h1", {}, "Sources"), table(["Name", "Adapter", "Path", "Rate limit", "Max body"], sources.map((s) => ({ cells: [
          s.name, s.adapter, s.path, s.rate_limit || "-", s.max_body] }))));
      },

      async config(view) {
        const c = await api("/api/config");
        const last = c.last_reload;
        view.append(el("h1", {}, "Running config"), el("p", {}, "Generation ", el("b", { id: "generation" }, c.generation), " from " + c.directory + ": " +
          c.sources + " sources, " + c.targets + " targets, " + c.routes + " routes, " + c.subscriptions + " subscriptions."),
          el("h2", {}, "Last reload"), last ? el("p", {}, (last.taken ? "taken" : "refused") + " at " + time(last.at)) : el("p", {}, "none since start"),
          last && last.diagnostics.length ? table(["Severity", "Where", "Message"], last.diagnostics.map((d) => ({ cells: [d.severity, d.file + ":" + d.line + ":" + d.column, d.message] }))) : "");
      },

      async live(view) {
        // Every stored event as it is stored, over the admin listener's event stream (fetch, so the
        // token goes in a header: EventSource cannot send one). Resumes from the last id on a reconnect.
        const list = el("tbody", { id: "live-rows" });
        const state = el("span", { id: "live-state" }, "connecting…");
        view.append(el("h1", {}, "Live"), el("p", {}, "Events as they are stored: ", state),
          el("table", {}, el("thead", {}, el("tr", {}, ["ID", "Received", "Source", "Type", "Event", "Targets"].map((h) => el("th", {}, h)))), list));
        let last = null;
        const show = (m) => {
          if (m.kind === "gap") return list.prepend(el("tr", {}, el("td", { colspan: 6, class: "bad" }, m.detail)));
          if (m.kind !== "event") return;
          last = m.id;
          list.prepend(el("tr", {}, [m.id, time(m.received_at), m.source, m.type, m.event_id, m.targets.join(", ")].map((c) => el("td", {}, c))));
          while (list.children.length > 200) list.lastChild.remove();
        };
        const controller = new AbortController();
        liveAbort = controller;
        (async () => {
          while (!controller.signal.aborted) {
            try {
              const r = await fetch("/api/events/live" + (last ? "?after=" + last : ""), { headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY), Accept: "text/event-stream" }, signal: controller.signal });
              if (r.status === 401) return signOut("That token was refused; sign in again.");
              state.textContent = "live";
              const reader = r.body.getReader(), decoder = new TextDecoder();
              let buffer = "";
              for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                buffer += decoder.decode(value, { stream: true });
                let cut;
                while ((cut = buffer.indexOf("\n\n")) >= 0) {
                  const block = buffer.slice(0, cut);
                  buffer = buffer.slice(cut + 2);
                  const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
                  if (data) show(JSON.parse(data));
                }
              }
            } catch (e) {
              if (controller.signal.aborted) return;
            }
            state.textContent = "reconnecting…";
            await new Promise((ok) => setTimeout(ok, 2000));
          }
        })();
      },
    };

    function deliveryTable(items) {
      return table(["ID", "Status", "Target", "Source", "Type", "Tries", "Last", "Last attempt"], items.map((d) => ({ item: d, cells: [
        d.id, d.status, d.target, d.source, d.type, d.attempts, d.last_status === null ? "-" : d.last_status, time(d.last_attempt_at)] })),
        (d) => go("delivery", new URLSearchParams({ id: d.id })));
    }

    function chart(minutes) {
      const w = 720, h = 160, n = minutes.length, bw = w / n;
      const top = Math.max(1, ...minutes.map((m) => Math.max(m.events, m.deliveries)));
      const s = svg("svg", { class: "chart", viewBox: "0 0 " + w + " " + h, preserveAspectRatio: "none", role: "img", "aria-label": "events and deliveries per minute" });
      minutes.forEach((m, i) => {
        const bar = (v, cls, x, width) => { const bh = (v / top) * (h - 10); s.append(svg("rect", { class: cls, x: x, y: h - bh, width: width, height: bh })); };
        bar(m.events, "ev", i * bw, bw * 0.45);
        bar(m.deliveries, "dl", i * bw + bw * 0.45, bw * 0.45);
        if (m.failed_attempts) bar(m.failed_attempts, "fa", i * bw + bw * 0.2, bw * 0.3);
      });
      return s;
    }

    // --- routing -----------------------------------------------------------------------------
    function go(page, params) {
      const q = new URLSearchParams(params || "");
      for (const [k, v] of [...q]) if (!v) q.delete(k);
      const hash = "#" + page + (q.toString() ? "?" + q : "");
      if (location.hash === hash) render(); else location.hash = hash;  // the same hash fires no hashchange
    }

    async function render() {
      if (liveAbort) { liveAbort.abort(); liveAbort = null; }
      const [name, query] = (location.hash.slice(1) || "overview").split("?");
      const page = pages[name] ? name : "overview";
      for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("on", a.getAttribute("href") === "#" + (page === "delivery" ? "deliveries" : page));
      const view = $("view");
      view.replaceChildren(el("p", {}, "Loading…"));
      const fresh = el("div", { id: "page-" + page });
      try {
        await pages[page](fresh, new URLSearchParams(query || ""));
        view.replaceChildren(fresh);
      } catch (e) {
        if (e instanceof Unauthorized) return signOut("That token was refused; sign in again.");
        view.replaceChildren(el("p", { class: "bad", role: "alert" }, "Could not load: " + e.message));
      }
    }

    function signOut(message) {
      sessionStorage.removeItem(KEY);
      $("app").hidden = true;
      $("login").hidden = false;
      $("login-error").textContent = message || "";
    }

    $("login").addEventListener("submit", async (e) => {
      e.preventDefault();
      sessionStorage.setItem(KEY, $("token").value);
      $("token").value = "";
      try {
        await api("/readyz");
      } catch (err) {
        return signOut(err instanceof Unauthorized ? "Wrong token." : "Cannot reach the admin API: " + err.message);
      }
      $("login").hidden = true;
      $("login-error").textContent = "";
      $("app").hidden = false;
      render();
    });
    $("logout").addEventListener("click", () => signOut(""));
    window.addEventListener("hashchange", render);
    if (sessionStorage.getItem(KEY)) { $("login").hidden = true; $("app").hidden = false; render(); } else { signOut(""); }
    """#.utf8)
}
