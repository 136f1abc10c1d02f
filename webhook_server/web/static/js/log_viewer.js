/* Log viewer page: filters in the URL, history from /logs/api/entries, live rows from /logs/ws,
   delivery (Flow) and PR modals. All log text is set with textContent, never parsed as HTML. */
"use strict";

(function () {
  const FILTER_FIELDS = [
    ["search", "filter-search"],
    ["hook_id", "filter-hook-id"],
    ["pr_number", "filter-pr-number"],
    ["repository", "filter-repository"],
    ["event_type", "filter-event-type"],
    ["github_user", "filter-github-user"],
    ["level", "filter-level"],
    ["start_time", "filter-start-time"],
    ["end_time", "filter-end-time"],
  ];
  const TIME_FIELDS = new Set(["start_time", "end_time"]);
  const DEFAULT_LIMIT = "1000";
  const DEBOUNCE_MS = 300;
  const MIN_BACKOFF_MS = 1000;
  const MAX_BACKOFF_MS = 30000;
  const DUPLICATE_WINDOW = 200;
  const THEME_KEY = "log-viewer-theme";
  const PANEL_KEY = "log-viewer-panel-collapsed";

  const byId = (id) => document.getElementById(id);
  const state = {
    realtime: false,
    socket: null,
    backoffMs: MIN_BACKOFF_MS,
    reconnectTimer: null,
    debounceTimer: null,
    loadSeq: 0,
    loadedQuery: null,
    openModal: null,
    returnFocus: null,
  };

  /* ---------- small helpers ---------- */

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function formatTimestamp(value) {
    if (!value) return "";
    return String(value).replace("T", " ").replace(/\+00:00$|Z$/, " UTC");
  }

  function formatDuration(ms) {
    if (ms === null || ms === undefined) return "–";
    if (ms < 1000) return `${ms}ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(2)}s`;
    const minutes = Math.floor(ms / 60000);
    const seconds = Math.round((ms % 60000) / 1000);
    return `${minutes}m ${seconds}s`;
  }

  function localInputToUtc(value) {
    const moment = new Date(value);
    return Number.isNaN(moment.getTime()) ? "" : moment.toISOString();
  }

  function utcToLocalInput(value) {
    const moment = new Date(value);
    if (Number.isNaN(moment.getTime())) return "";
    const local = new Date(moment.getTime() - moment.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 19);
  }

  function showError(message) {
    const banner = byId("error-banner");
    banner.textContent = message || "";
    banner.hidden = !message;
  }

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : response.statusText;
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return body;
  }

  /* ---------- filters and URL state ---------- */

  function readFilters() {
    const filters = {};
    for (const [name, id] of FILTER_FIELDS) {
      const value = byId(id).value.trim();
      if (!value) continue;
      filters[name] = TIME_FIELDS.has(name) ? localInputToUtc(value) : value;
      if (!filters[name]) delete filters[name];
    }
    return filters;
  }

  function currentLimit() {
    return byId("filter-limit").value || DEFAULT_LIMIT;
  }

  function queryString(extra) {
    const params = new URLSearchParams(readFilters());
    for (const [key, value] of Object.entries(extra || {})) params.set(key, value);
    return params.toString();
  }

  function writeUrl() {
    const params = new URLSearchParams(readFilters());
    if (currentLimit() !== DEFAULT_LIMIT) params.set("limit", currentLimit());
    const text = params.toString();
    history.replaceState(null, "", text ? `${location.pathname}?${text}` : location.pathname);
  }

  function applyUrl() {
    const params = new URLSearchParams(location.search);
    for (const [name, id] of FILTER_FIELDS) {
      const value = params.get(name);
      if (value === null) continue;
      byId(id).value = TIME_FIELDS.has(name) ? utcToLocalInput(value) : value;
    }
    const limit = params.get("limit");
    if (limit && [...byId("filter-limit").options].some((option) => option.value === limit)) {
      byId("filter-limit").value = limit;
    }
    return params.get("hook_id");
  }

  /* ---------- rows ---------- */

  function tagButton(text, label, onClick) {
    const button = el("button", "tag", text);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", onClick);
    return button;
  }

  function renderEntry(entry) {
    const row = el("li", "log-entry");
    row.dataset.key = JSON.stringify(entry);
    row.dataset.message = String(entry.message || "");
    row.appendChild(el("time", "log-time", formatTimestamp(entry.timestamp)));
    const level = String(entry.level || "").toUpperCase();
    row.appendChild(el("span", `level level-${level}`, level));
    row.appendChild(el("span", "log-message", entry.message));
    const tags = el("span", "log-tags");
    if (entry.hook_id) {
      tags.appendChild(
        tagButton(`[Hook: ${entry.hook_id}]`, `Open delivery ${entry.hook_id}`, () => openFlowModal(entry.hook_id)),
      );
    }
    if (entry.pr_number !== null && entry.pr_number !== undefined) {
      tags.appendChild(
        tagButton(`[PR: #${entry.pr_number}]`, `Open PR #${entry.pr_number} deliveries`, () =>
          openPrModal(entry.pr_number, entry.repository),
        ),
      );
    }
    if (entry.repository) tags.appendChild(el("span", "tag", `[${entry.repository}]`));
    if (entry.github_user) tags.appendChild(el("span", "tag", `[User: ${entry.github_user}]`));
    row.appendChild(tags);
    applySearchVisibility(row);
    return row;
  }

  function applySearchVisibility(row) {
    const search = byId("filter-search").value.trim().toLowerCase();
    row.hidden = Boolean(search) && !row.dataset.message.toLowerCase().includes(search);
  }

  function updateShown() {
    const rows = byId("log-list").children.length;
    byId("stat-shown").textContent = String(rows);
    byId("empty-state").hidden = rows > 0;
  }

  function renderEntries(entries) {
    const list = byId("log-list");
    const fragment = document.createDocumentFragment();
    for (const entry of entries) fragment.appendChild(renderEntry(entry));
    list.replaceChildren(fragment);
    updateShown();
  }

  function alreadyShown(entry) {
    const key = JSON.stringify(entry);
    const rows = byId("log-list").children;
    for (let index = 0; index < Math.min(rows.length, DUPLICATE_WINDOW); index += 1) {
      if (rows[index].dataset.key === key) return true;
    }
    return false;
  }

  function prependLive(entry) {
    const list = byId("log-list");
    if (alreadyShown(entry)) return; // a history reload already brought it
    list.insertBefore(renderEntry(entry), list.firstChild);
    const cap = Number(currentLimit());
    while (list.children.length > cap) list.removeChild(list.lastChild);
    updateShown();
    if (byId("auto-scroll").checked) byId("log-container").scrollTop = 0;
  }

  /* ---------- history ---------- */

  async function loadEntries() {
    const sequence = ++state.loadSeq;
    state.loadedQuery = queryString({ limit: currentLimit() });
    writeUrl();
    try {
      const data = await fetchJson(`/logs/api/entries?${queryString({ limit: currentLimit() })}`);
      if (sequence !== state.loadSeq) return;
      showError("");
      renderEntries(data.entries);
      byId("stat-total").textContent = String(data.total_log_count_estimate);
      byId("stat-scanned").textContent = String(data.entries_processed);
      byId("stat-partial").hidden = !data.is_partial_scan;
    } catch (error) {
      if (sequence === state.loadSeq) showError(`Could not load logs: ${error.message}`);
    }
  }

  function scheduleReload() {
    clearTimeout(state.debounceTimer);
    for (const row of byId("log-list").children) applySearchVisibility(row);
    state.debounceTimer = setTimeout(() => {
      if (queryString({ limit: currentLimit() }) === state.loadedQuery) return; // nothing changed
      loadEntries();
      if (state.realtime) reconnectNow();
    }, DEBOUNCE_MS);
  }

  /* ---------- real-time ---------- */

  function setStatus(text, kind) {
    const status = byId("connection-status");
    status.textContent = text;
    status.className = `connection-status status-${kind}`;
  }

  function socketUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = queryString();
    return `${scheme}//${location.host}/logs/ws${query ? `?${query}` : ""}`;
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    const socket = new WebSocket(socketUrl());
    state.socket = socket;
    socket.addEventListener("open", () => {
      state.backoffMs = MIN_BACKOFF_MS;
      setStatus("Real-time: connected", "connected");
    });
    socket.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (data && data.error) {
        showError(data.error);
        return;
      }
      prependLive(data);
    });
    socket.addEventListener("close", (event) => {
      if (state.socket !== socket) return;
      state.socket = null;
      if (!state.realtime) return;
      const delay = state.backoffMs;
      state.backoffMs = Math.min(state.backoffMs * 2, MAX_BACKOFF_MS);
      const reason = event.reason ? ` (${event.reason})` : "";
      setStatus(`Real-time: disconnected${reason}, reconnecting in ${Math.round(delay / 1000)}s`, "reconnecting");
      state.reconnectTimer = setTimeout(connect, delay);
    });
  }

  function disconnect() {
    clearTimeout(state.reconnectTimer);
    const socket = state.socket;
    state.socket = null;
    if (socket) socket.close(1000, "Stopped");
  }

  function reconnectNow() {
    disconnect();
    connect();
  }

  function toggleRealtime() {
    state.realtime = !state.realtime;
    const button = byId("realtime-btn");
    button.textContent = state.realtime ? "Stop Real-time" : "Start Real-time";
    button.setAttribute("aria-pressed", String(state.realtime));
    if (state.realtime) {
      state.backoffMs = MIN_BACKOFF_MS;
      setStatus("Real-time: connecting…", "reconnecting");
      connect();
    } else {
      disconnect();
      setStatus("Real-time: off", "off");
    }
  }

  /* ---------- modals ---------- */

  function focusableIn(container) {
    return [...container.querySelectorAll("button, [href], input, select, textarea, summary, [tabindex]")].filter(
      (node) => !node.disabled && node.tabIndex >= 0 && node.offsetParent !== null,
    );
  }

  function openModalElement(modal) {
    if (state.openModal && state.openModal !== modal) closeModal();
    if (!state.openModal) state.returnFocus = document.activeElement;
    state.openModal = modal;
    modal.hidden = false;
    modal.querySelector(".modal-dialog").focus();
  }

  function closeModal() {
    const modal = state.openModal;
    if (!modal) return;
    modal.hidden = true;
    state.openModal = null;
    let target = state.returnFocus;
    if (target && !document.contains(target) && target.getAttribute("aria-label")) {
      // the list was re-rendered meanwhile: focus the same control in the new rows
      target = document.querySelector(`[aria-label="${CSS.escape(target.getAttribute("aria-label"))}"]`);
    }
    if (target && document.contains(target)) target.focus();
    state.returnFocus = null;
  }

  function trapFocus(event) {
    const items = focusableIn(state.openModal.querySelector(".modal-dialog"));
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !state.openModal.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  function definition(grid, term, value, className) {
    grid.appendChild(el("dt", null, term));
    grid.appendChild(el("dd", className || null, value === null || value === undefined || value === "" ? "–" : value));
  }

  function resultOf(data) {
    if (data.success === null || data.success === undefined) return ["Running", "result-running"];
    if (!data.success) return ["Failed", "result-failed"];
    if (data.steps.some((step) => step.task_status === "failed")) return ["Partial failure", "result-partial"];
    return ["Success", "result-success"];
  }

  function renderFlowSummary(body, data) {
    const grid = el("dl", "summary-grid");
    const [result, resultClass] = resultOf(data);
    definition(grid, "Result", result, resultClass);
    definition(grid, "Hook ID", data.hook_id);
    definition(grid, "Event", data.event_type);
    definition(grid, "Action", data.action);
    definition(grid, "Repository", data.repository);
    definition(grid, "Sender", data.sender);
    definition(grid, "PR", data.pr ? `#${data.pr.number} ${data.pr.title || ""}`.trim() : null);
    definition(grid, "Started", formatTimestamp(data.start_time));
    definition(grid, "Duration", formatDuration(data.total_duration_ms));
    definition(grid, "Token spend", data.token_spend === null ? null : `${data.token_spend} API calls`);
    definition(grid, "Steps", data.step_count);
    body.appendChild(grid);
    if (data.error) body.appendChild(renderError("flow-error", data.error));
  }

  function renderError(className, error) {
    const box = el("div", className);
    box.appendChild(el("strong", null, `${error.type || "Error"}: ${error.message || ""}`));
    if (error.traceback) {
      const details = el("details");
      details.appendChild(el("summary", null, "Traceback"));
      details.appendChild(el("pre", null, error.traceback));
      box.appendChild(details);
    }
    return box;
  }

  function renderStep(step, data) {
    const item = el("li", "step");
    const head = el("div", "step-head");
    head.appendChild(el("span", "step-name", step.step_name));
    head.appendChild(el("span", `step-status status-${step.task_status}`, step.task_status));
    head.appendChild(el("span", "step-duration", formatDuration(step.duration_ms)));
    head.appendChild(el("span", "step-offset", `+${formatDuration(step.relative_time_ms)}`));
    const logsButton = el("button", "btn btn-small", "Logs");
    logsButton.type = "button";
    logsButton.setAttribute("aria-label", `Show logs of step ${step.step_name}`);
    head.appendChild(logsButton);
    item.appendChild(head);
    const total = Math.max(data.total_duration_ms || 0, 1);
    const bar = el("div", "step-bar");
    const fill = el("span", step.task_status === "failed" ? "bar-failed" : "");
    fill.style.left = `${Math.min(100, Math.max(0, ((step.relative_time_ms || 0) / total) * 100))}%`;
    fill.style.width = `${Math.min(100, ((step.duration_ms || 0) / total) * 100)}%`;
    bar.appendChild(fill);
    item.appendChild(bar);
    if (step.error) item.appendChild(renderError("step-error", step.error));
    const logs = el("ol", "step-logs");
    logs.hidden = true;
    item.appendChild(logs);
    logsButton.addEventListener("click", () => toggleStepLogs(data.hook_id, step.step_name, logs));
    return item;
  }

  async function toggleStepLogs(hookId, stepName, list) {
    if (!list.hidden) {
      list.hidden = true;
      return;
    }
    list.hidden = false;
    list.replaceChildren(el("li", null, "Loading…"));
    try {
      const data = await fetchJson(
        `/logs/api/step-logs/${encodeURIComponent(hookId)}/${encodeURIComponent(stepName)}`,
      );
      const rows = data.logs.map((entry) =>
        el("li", `level-${entry.level}`, `${formatTimestamp(entry.timestamp)} ${entry.level} ${entry.message}`),
      );
      list.replaceChildren(...(rows.length ? rows : [el("li", null, "No log lines in this step's time window.")]));
    } catch (error) {
      list.replaceChildren(el("li", "level-ERROR", `Could not load step logs: ${error.message}`));
    }
  }

  async function openFlowModal(hookId) {
    const modal = byId("flow-modal");
    const body = byId("flow-body");
    byId("flow-title").textContent = `Delivery ${hookId}`;
    body.replaceChildren(el("p", null, "Loading…"));
    openModalElement(modal);
    try {
      const data = await fetchJson(`/logs/api/workflow-steps/${encodeURIComponent(hookId)}`);
      const running = data.success === null || data.success === undefined;
      byId("flow-title").textContent = running ? "Flow Still Running" : `Delivery ${hookId}`;
      body.replaceChildren();
      renderFlowSummary(body, data);
      const steps = el("ol", "steps");
      steps.setAttribute("aria-label", "Workflow steps");
      for (const step of data.steps) steps.appendChild(renderStep(step, data));
      body.appendChild(steps);
    } catch (error) {
      body.replaceChildren(el("p", "level-ERROR", `Could not load the delivery: ${error.message}`));
    }
  }

  async function openPrModal(prNumber, repository) {
    const body = byId("pr-body");
    byId("pr-title").textContent = `PR #${prNumber}${repository ? ` in ${repository}` : ""}`;
    body.replaceChildren(el("p", null, "Loading…"));
    openModalElement(byId("pr-modal"));
    const params = new URLSearchParams({ pr_number: String(prNumber), limit: "10000" });
    if (repository) params.set("repository", repository);
    try {
      const data = await fetchJson(`/logs/api/entries?${params.toString()}`);
      const seen = new Map();
      for (const entry of data.entries) {
        if (entry.hook_id && !seen.has(entry.hook_id)) seen.set(entry.hook_id, entry);
      }
      const list = el("ul", "pr-hooks");
      for (const [hookId, entry] of seen) {
        const item = el("li");
        item.appendChild(tagButton(hookId, `Open delivery ${hookId}`, () => openFlowModal(hookId)));
        item.appendChild(el("span", null, entry.event_type || ""));
        item.appendChild(el("time", "log-time", formatTimestamp(entry.timestamp)));
        list.appendChild(item);
      }
      body.replaceChildren(seen.size ? list : el("p", null, "No deliveries found for this PR."));
    } catch (error) {
      body.replaceChildren(el("p", "level-ERROR", `Could not load the PR deliveries: ${error.message}`));
    }
  }

  /* ---------- page controls ---------- */

  function applyTheme(theme) {
    document.documentElement.dataset.theme = theme;
    const toggle = byId("theme-toggle");
    toggle.textContent = theme === "dark" ? "Light theme" : "Dark theme";
    toggle.setAttribute("aria-pressed", String(theme === "dark"));
  }

  function setPanelCollapsed(collapsed) {
    byId("filters-body").hidden = collapsed;
    byId("panel-toggle").setAttribute("aria-expanded", String(!collapsed));
    localStorage.setItem(PANEL_KEY, String(collapsed));
  }

  function clearFilters() {
    for (const [, id] of FILTER_FIELDS) byId(id).value = "";
    byId("filter-limit").value = DEFAULT_LIMIT;
    scheduleReload();
  }

  function exportLogs() {
    window.location.href = `/logs/api/export?${queryString({ format_type: "json", limit: currentLimit() })}`;
  }

  function onKeydown(event) {
    if (state.openModal) {
      if (event.key === "Escape") {
        event.preventDefault();
        closeModal();
      } else if (event.key === "Tab") {
        trapFocus(event);
      }
      return;
    }
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (event.key === "/" && !typing) {
      event.preventDefault();
      byId("filter-search").focus();
    }
  }

  function bind() {
    applyTheme(localStorage.getItem(THEME_KEY) === "dark" ? "dark" : "light");
    byId("theme-toggle").addEventListener("click", () => {
      const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      localStorage.setItem(THEME_KEY, next);
      applyTheme(next);
    });
    setPanelCollapsed(localStorage.getItem(PANEL_KEY) === "true");
    byId("panel-toggle").addEventListener("click", () => setPanelCollapsed(!byId("filters-body").hidden));
    const form = byId("filters-form");
    form.addEventListener("input", scheduleReload);
    form.addEventListener("change", scheduleReload);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      loadEntries();
    });
    byId("refresh-btn").addEventListener("click", loadEntries);
    byId("clear-filters-btn").addEventListener("click", clearFilters);
    byId("realtime-btn").addEventListener("click", toggleRealtime);
    byId("clear-logs-btn").addEventListener("click", () => renderEntries([]));
    byId("export-btn").addEventListener("click", exportLogs);
    for (const closer of document.querySelectorAll("[data-close-modal]")) closer.addEventListener("click", closeModal);
    document.addEventListener("keydown", onKeydown);
  }

  function start() {
    bind();
    const deepLinkHook = applyUrl();
    loadEntries();
    if (deepLinkHook) openFlowModal(deepLinkHook);
  }

  window.logViewer = { openFlowModal, openPrModal, loadEntries };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
